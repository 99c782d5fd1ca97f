import { Effect, Option } from "effect"
import { NatsRequestFailed } from "./errors.ts"
import { publishOnce } from "./publish-once.ts"
import { readLastOnSubject } from "./read.ts"

export const kvStreamOf = (bucket: string) => `KV_${bucket}`
export const kvSubjectOf = (bucket: string, key: string) => `$KV.${bucket}.${key}`

/** The key's last entry, read from the bucket's stream leader; a delete or purge marker has no body. */
export const kvLastEntry = (bucket: string, key: string) => readLastOnSubject(kvStreamOf(bucket), kvSubjectOf(bucket, key))

/**
 * Writes a KV key only if its last entry is still at `expectedRevision` (0: never written): the
 * new revision, or none when another writer moved it first.
 *
 * Not the KV client's `update`/`create`, which rest on the expected-sequence header alone: a
 * {@link publishOnce} whose message id names the revision the write expects, so it holds on R3
 * buckets of nats-server before 2.9.21.
 *
 * No span of its own: supervision writes every sign of life this way.
 */
export const kvCompareAndSet = Effect.fnUntraced(function*(bucket: string, key: string, bytes: Uint8Array, expectedRevision: number) {
  const subject = kvSubjectOf(bucket, key)
  return yield* publishOnce(subject, bytes, { stream: kvStreamOf(bucket), msgId: `${subject}@${expectedRevision}`, expectedLastSubjectSequence: expectedRevision }).pipe(
    Effect.map(Option.some),
    Effect.catchTag("WrongLastSequence", () => Effect.succeed(Option.none<number>())),
    Effect.mapError((cause) => new NatsRequestFailed({ operation: `kv compare-and-set ${bucket}`, message: cause.message }))
  )
})
