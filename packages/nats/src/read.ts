import { DeliverPolicy } from "@nats-io/jetstream"
import { Effect, Option } from "effect"
import { Nats } from "./connection.ts"
import { apiErrorCode, errorMessage, NatsRequestFailed } from "./errors.ts"
import { openMessages } from "./messages.ts"

/** A message as stored in a stream. */
export interface StoredMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
}

const NoMessageFound = 10037

/**
 * The last message on one subject, read from the stream leader so that a write
 * just acknowledged is always seen (direct get may answer from a lagging replica).
 */
export const readLastOnSubject = Effect.fn("Nats.readLastOnSubject")(function*(stream: string, subject: string) {
  const { jsm } = yield* Nats
  const stored = yield* Effect.tryPromise({
    try: () => jsm.streams.getMessage(stream, { last_by_subj: subject }),
    catch: (cause) => cause
  }).pipe(
    Effect.catch((cause) =>
      apiErrorCode(cause) === NoMessageFound
        ? Effect.succeed(null)
        : Effect.fail(new NatsRequestFailed({ operation: `read last ${stream} ${subject}`, message: errorMessage(cause) }))
    )
  )
  return stored === null
    ? Option.none<StoredMessage>()
    : Option.some<StoredMessage>({ seq: stored.seq, subject: stored.subject, data: stored.data })
})

/**
 * Every message on one subject, in stream order, e.g. the events of one incident.
 * Reads with a short-lived ordered consumer until it has caught up with the subject.
 */
export const readSubject = Effect.fn("Nats.readSubject")(function*(stream: string, subject: string) {
  const { js } = yield* Nats
  const failed = (cause: unknown) => new NatsRequestFailed({ operation: `read ${stream} ${subject}`, message: errorMessage(cause) })
  return yield* Effect.scoped(
    Effect.gen(function*() {
      const consumer = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All }),
          catch: failed
        }),
        // Not awaited: the server drops it anyway once inactive, and the reader should not wait for it.
        (consumer) => Effect.sync(() => void consumer.delete().catch(() => undefined))
      )
      const info = yield* Effect.tryPromise({ try: () => consumer.info(true), catch: failed })
      if (info.num_pending === 0) return [] as ReadonlyArray<StoredMessage>
      const { iterator } = yield* openMessages(() => consumer.consume({ max_messages: Math.min(info.num_pending, 1000) }), failed)
      const out: Array<StoredMessage> = []
      while (true) {
        const next = yield* Effect.tryPromise({ try: () => iterator.next(), catch: failed })
        if (next.done === true) return yield* failed(new Error("the message stream ended early"))
        const m = next.value
        out.push({ seq: m.seq, subject: m.subject, data: m.data })
        // pending counts what the consumer has left: 0 means caught up with the subject.
        if (m.info.pending === 0) return out as ReadonlyArray<StoredMessage>
      }
    })
  ).pipe(
    Effect.timeoutOrElse({
      duration: "30 seconds",
      orElse: () => Effect.fail(new NatsRequestFailed({ operation: `read ${stream} ${subject}`, message: "timed out" }))
    })
  )
})
