import { Effect, Option } from "effect"
import { NatsRequestFailed } from "./errors.ts"
import { publishRaw } from "./publish.ts"
import { readAtSequence, readLastOnSubject } from "./read.ts"

export const kvStreamOf = (bucket: string) => `KV_${bucket}`
export const kvSubjectOf = (bucket: string, key: string) => `$KV.${bucket}.${key}`

/** The key's last entry, read from the bucket's stream leader; a delete or purge marker has no body. */
export const kvLastEntry = (bucket: string, key: string) => readLastOnSubject(kvStreamOf(bucket), kvSubjectOf(bucket, key))

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

/**
 * Writes a KV key only if its last entry is still at `expectedRevision` (0: never written): the
 * new revision, or none when another writer moved it first.
 *
 * Not the KV client's `update`/`create`: those rest on the expected-last-sequence header alone,
 * which nats-server before 2.9.21 checks against stored writes only, so on an R3 bucket two
 * writers expecting one revision could both be stored (nats-io/nats-server#4320). Here the
 * message id names the revision the write expects: two such writes have one id, and JetStream's
 * duplicate check, which does hold for writes in flight, stores one. A duplicate answer is the
 * writer's own (a retry) only when the stored bytes are the ones it sent.
 *
 * No span of its own: supervision writes every sign of life this way.
 */
export const kvCompareAndSet = Effect.fnUntraced(function*(bucket: string, key: string, bytes: Uint8Array, expectedRevision: number) {
  const subject = kvSubjectOf(bucket, key)
  const published = yield* publishRaw(subject, bytes, { msgId: `${subject}@${expectedRevision}`, expectedLastSubjectSequence: expectedRevision }).pipe(
    Effect.map(Option.some),
    Effect.catchTag("WrongLastSequence", () => Effect.succeed(Option.none())),
    Effect.mapError((cause) => new NatsRequestFailed({ operation: `kv compare-and-set ${bucket}`, message: cause.message }))
  )
  if (Option.isNone(published)) return Option.none<number>()
  const { seq, duplicate } = published.value
  if (!duplicate) return Option.some(seq)
  const stored = yield* readAtSequence(kvStreamOf(bucket), seq)
  return Option.isSome(stored) && sameBytes(stored.value.data, bytes) ? Option.some(seq) : Option.none<number>()
})
