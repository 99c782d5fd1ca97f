import { Schema } from "effect"
import { Instant } from "./ids.ts"

/** Where a rejected input came from: a service, or one of the protocol receivers (`dc09`, `scaip`, `osmand`, `webhook`). */
export const DeadLetterSource = Schema.Literals(["gateway", "triage", "audit", "projector", "console", "dispatch", "dc09", "scaip", "osmand", "webhook"])
export type DeadLetterSource = typeof DeadLetterSource.Type

/** A rejected input on `wt.dlq.<source>`, with the exact bytes that were rejected. */
export const DeadLetter = Schema.Struct({
  id: Schema.String,
  source: DeadLetterSource,
  reason: Schema.String,
  at: Instant,
  tenant: Schema.optionalKey(Schema.String),
  /** The subject and stream sequence the message came from, when it came from a stream. */
  subject: Schema.optionalKey(Schema.String),
  streamSeq: Schema.optionalKey(Schema.Int),
  deliveries: Schema.optionalKey(Schema.Int),
  /** The raw bytes, base64; truncated to `rawBytesTotal` when larger than the dead-letter limit. */
  rawBase64: Schema.String,
  rawBytesTotal: Schema.Int,
  truncated: Schema.Boolean
}).annotate({ identifier: "DeadLetter" })
export type DeadLetter = typeof DeadLetter.Type
