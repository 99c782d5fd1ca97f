import { Effect, Option } from "effect"
import { NatsRequestFailed } from "./errors.ts"
import { publishRaw } from "./publish.ts"
import { readAtSequence, readLastOnSubject, type StoredMessage } from "./read.ts"

const streamOf = (bucket: string) => `KV_${bucket}`
const subjectOf = (bucket: string, key: string) => `$KV.${bucket}.${key}`

/** The key's last entry, read from the bucket's stream leader; a delete or purge marker has no body. */
export const kvLastEntry = Effect.fn("Nats.kvLastEntry")(function*(bucket: string, key: string) {
  return yield* readLastOnSubject(streamOf(bucket), subjectOf(bucket, key))
})

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

/**
 * Writes a KV key only if its last entry is still at `expectedRevision` (0: never written):
 * "written", or "lost" when another writer moved it first.
 *
 * Not the KV client's `update`/`create`: those rest on the expected-last-sequence header alone,
 * which nats-server before 2.9.21 checks against stored writes only, so on an R3 bucket two
 * writers expecting one revision could both be stored (nats-io/nats-server#4320). Here the
 * message id names the revision the write expects: two such writes have one id, and JetStream's
 * duplicate check, which does hold for writes in flight, stores one. A duplicate answer is the
 * writer's own (a retry) only when the stored bytes are the ones it sent.
 */
export const kvCompareAndSet = Effect.fn("Nats.kvCompareAndSet")(function*(bucket: string, key: string, bytes: Uint8Array, expectedRevision: number) {
  const subject = subjectOf(bucket, key)
  const published = yield* publishRaw(subject, bytes, { msgId: `${subject}@${expectedRevision}`, expectedLastSubjectSequence: expectedRevision }).pipe(
    Effect.map(Option.some),
    Effect.catchTag("WrongLastSequence", () => Effect.succeed(Option.none())),
    Effect.mapError((cause) => new NatsRequestFailed({ operation: `kv compare-and-set ${bucket}`, message: cause.message }))
  )
  if (Option.isNone(published)) return "lost" as const
  if (!published.value.duplicate) return "written" as const
  const stored: Option.Option<StoredMessage> = yield* readAtSequence(streamOf(bucket), published.value.seq)
  return Option.isSome(stored) && sameBytes(stored.value.data, bytes) ? "written" as const : "lost" as const
})
