import { Effect, Option } from "effect"
import { WrongLastSequence } from "./errors.ts"
import { publishRaw } from "./publish.ts"
import { readAtSequence } from "./read.ts"

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

/**
 * A compare-and-set write: stored only if the subject's last message is still at
 * `expectedLastSubjectSequence`, and the stream sequence it was stored at; `WrongLastSequence`
 * when another writer moved the subject first.
 *
 * The expected-sequence header alone is not a compare-and-set on an R3 stream of nats-server
 * before 2.9.21 (nats-io/nats-server#4320: two writes in flight on one sequence are both stored).
 * `msgId` must name the state the write expects (an incident's version, a KV key's revision), so
 * two such writes share it, and JetStream's duplicate check, which does hold in flight, stores
 * one. A duplicate answer is the writer's own (its resend) only when the stored bytes are the
 * ones it sent; otherwise another writer won.
 */
export const publishOnce = Effect.fnUntraced(function*(subject: string, bytes: Uint8Array, options: { readonly msgId: string; readonly expectedLastSubjectSequence: number }) {
  const published = yield* publishRaw(subject, bytes, options)
  if (!published.duplicate) return published.seq
  const stored = yield* readAtSequence(published.stream, published.seq)
  if (Option.isSome(stored) && sameBytes(stored.value.data, bytes)) return published.seq
  return yield* new WrongLastSequence({
    subject,
    expected: options.expectedLastSubjectSequence,
    message: `another writer's message holds ${options.msgId} (#${published.seq})`
  })
})
