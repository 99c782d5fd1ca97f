import { randomUUID } from "node:crypto"
import { DeadLetter, type DeadLetterSource, Subjects } from "@wt/contracts"
import { Clock, Effect, Metric } from "effect"
import { publishEvent, type Published } from "./publish.ts"
import { tenantOfSubject } from "./subjects.ts"

/** Raw bytes above this are cut, so a dead letter (base64, +33 %) stays well under max_payload. */
export const DeadLetterRawLimit = 512 * 1024

export interface DeadLetterInput {
  readonly source: DeadLetterSource
  /** Why it was rejected, for the person reading the dead letter (e.g. the schema error with its path). */
  readonly reason: string
  /** A small fixed vocabulary for metrics: "invalid_json", "schema", "max_deliver", "rejected" … */
  readonly reasonKind?: string
  /** The exact bytes that were rejected. */
  readonly raw: Uint8Array
  readonly tenant?: string
  readonly subject?: string
  readonly streamSeq?: number
  readonly deliveries?: number
  /** Makes a repeated send of the same rejection (e.g. after a lost ack) land once; default: a fresh id. */
  readonly msgId?: string
}

export const deadLettersTotal = Metric.counter("wt_dead_letters_total", {
  description: "Inputs rejected to WT_DLQ, by source and kind of reason",
  incremental: true
})

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

/** Publishes a `DeadLetter` on `wt.dlq.<source>` and counts it in `wt_dead_letters_total{source,reason_kind}`. */
export const sendDeadLetter = Effect.fn("DeadLetters.send")(function*(input: DeadLetterInput) {
  const id = randomUUID()
  const now = yield* Clock.currentTimeMillis
  const truncated = input.raw.byteLength > DeadLetterRawLimit
  const letter: DeadLetter = {
    id,
    source: input.source,
    reason: input.reason,
    at: new Date(now).toISOString(),
    ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    ...(input.streamSeq === undefined ? {} : { streamSeq: input.streamSeq }),
    ...(input.deliveries === undefined ? {} : { deliveries: input.deliveries }),
    rawBase64: toBase64(truncated ? input.raw.subarray(0, DeadLetterRawLimit) : input.raw),
    rawBytesTotal: input.raw.byteLength,
    truncated
  }
  const published: Published = yield* publishEvent(Subjects.deadLetter(input.source), DeadLetter, letter, {
    msgId: input.msgId ?? id
  })
  if (!published.duplicate) {
    yield* Metric.update(
      Metric.withAttributes(deadLettersTotal, { source: input.source, reason_kind: input.reasonKind ?? "rejected" }),
      1
    )
  }
  return { id, ...published }
})

/** Dead letters: every rejected input with its reason and raw bytes. */
export const DeadLetters = { send: sendDeadLetter } as const

/** A stored message (or a framed event) as a dead letter keeps it. */
export interface StoredInput {
  readonly subject: string
  readonly seq: number
  readonly data: Uint8Array
}

/** Dead-letters a stored message with its bytes, subject, sequence and the tenant its subject names. */
export const deadLetterStored = (
  source: DeadLetterSource,
  stored: StoredInput,
  rejection: { readonly deliveries: number; readonly reason: string; readonly reasonKind: string; readonly msgId: string }
) => {
  const tenant = tenantOfSubject(stored.subject)
  return sendDeadLetter({
    source,
    reason: rejection.reason,
    reasonKind: rejection.reasonKind,
    raw: stored.data,
    subject: stored.subject,
    streamSeq: stored.seq,
    deliveries: rejection.deliveries,
    msgId: rejection.msgId,
    ...(tenant === undefined ? {} : { tenant })
  })
}
