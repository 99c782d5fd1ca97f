import { Effect, Option, Schedule } from "effect"
import { DuplicateInProcessCode } from "./client-fast-paths/pub-acks.ts"
import { NatsRequestFailed, type PublishFailed, WrongLastSequence } from "./errors.ts"
import { publishRaw } from "./publish.ts"
import { type GotMessage, readAtSequence, readLastOnSubject } from "./read.ts"

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
export const publishOnce = Effect.fnUntraced(function*(
  subject: string,
  bytes: Uint8Array,
  options: { readonly stream: string; readonly msgId: string; readonly expectedLastSubjectSequence: number }
) {
  const published = yield* publishRaw(subject, bytes, options).pipe(
    Effect.map(Option.some),
    Effect.catchIf(isDuplicateInProcess, () => Effect.succeed(Option.none()))
  )
  if (Option.isSome(published) && !published.value.duplicate) return published.value.seq
  // A duplicate names where the first write is (`PubAcks` never reports one without a sequence).
  const stored = Option.isSome(published)
    ? yield* readAtSequence(options.stream, published.value.seq)
    : yield* landed(options.stream, subject, options.msgId)
  if (Option.isSome(stored) && sameBytes(stored.value.data, bytes)) return stored.value.seq
  return yield* new WrongLastSequence({
    subject,
    expected: options.expectedLastSubjectSequence,
    message: `another writer's message holds ${options.msgId}${Option.isSome(stored) ? ` (#${stored.value.seq})` : ""}`
  })
})

/** The publish found a write with its id still in flight for as long as it waited (see `PubAcks`). */
const isDuplicateInProcess = (error: PublishFailed | WrongLastSequence): error is PublishFailed =>
  error._tag === "PublishFailed" && error.code === DuplicateInProcessCode

/**
 * nats-server 2.10 and later hold the duplicate check for a write still in flight on R3 (2.10
 * answers sequence 0, 2.11 and later refuse it), as where the first write will be stored is not
 * known yet. `PubAcks` sends again while that lasts and fails as 10158 when it lasted a whole
 * timeout. The first write is the subject's last message once it has landed (a later write to the
 * subject would have had to name it as expected): read from the leader until the message with
 * this id is there.
 */
const landed = (stream: string, subject: string, msgId: string) =>
  readLastOnSubject(stream, subject).pipe(
    Effect.flatMap((last): Effect.Effect<Option.Option<GotMessage>, NatsRequestFailed> =>
      Option.isSome(last) && last.value.header("Nats-Msg-Id") === msgId
        ? Effect.succeed(last)
        : Effect.fail(new NatsRequestFailed({ operation: `read ${subject}`, message: `the write holding ${msgId} has not landed yet` }))
    ),
    Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 })
  )
