import { DeliverPolicy, type JetStreamManager, type MsgRequest } from "@nats-io/jetstream"
import { Effect, Option } from "effect"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { apiErrorCode, errorMessage, NatsRequestFailed, requestFailed } from "./errors.ts"
import { openMessages } from "./messages.ts"

/** A message as stored in a stream. */
export interface StoredMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
}

/** A message got by its sequence or subject: also when it was stored, and its headers. */
export interface GotMessage extends StoredMessage {
  readonly storedAt: Date
  /** The value of one of its headers, e.g. `Nats-Msg-Id`. */
  readonly header: (name: string) => string | undefined
}

const NoMessageFound = 10037

/** One message got from the stream (leader), or null when none matches the request. */
export const getStored = (jsm: JetStreamManager, stream: string, request: MsgRequest, operation: string) =>
  Effect.tryPromise({ try: () => jsm.streams.getMessage(stream, request), catch: (cause) => cause }).pipe(
    Effect.map((stored): GotMessage | null =>
      stored === null ? null : {
        seq: stored.seq,
        subject: stored.subject,
        data: stored.data,
        storedAt: stored.time,
        header: (name) => stored.header?.get(name) || undefined
      }
    ),
    Effect.catch((cause) => (apiErrorCode(cause) === NoMessageFound ? Effect.succeed(null) : Effect.fail(requestFailed(operation)(cause))))
  )

const getOwn = (stream: string, request: MsgRequest, operation: string) =>
  Nats.use((nats) => getStored(clientOf(nats).jsm, stream, request, operation))

/**
 * The last message on one subject, read from the stream leader so that a write
 * just acknowledged is always seen (direct get may answer from a lagging replica).
 */
export const readLastOnSubject = Effect.fn("Nats.readLastOnSubject")(function*(stream: string, subject: string) {
  const stored = yield* getOwn(stream, { last_by_subj: subject }, `read last ${stream} ${subject}`)
  return Option.fromNullishOr(stored)
})

/** The message stored at one stream sequence, read from the stream leader; none when it is gone or never was. */
export const readAtSequence = Effect.fn("Nats.readAtSequence")(function*(stream: string, seq: number) {
  const stored = yield* getOwn(stream, { seq }, `read ${stream} #${seq}`)
  return Option.fromNullishOr(stored)
})

/**
 * Hands `f` the messages on one subject stored after stream sequence `afterSeq`, in order, one at
 * a time: what a reader that had seen up to `afterSeq` missed. One request per message and no
 * consumer: for catching up on a few messages (a storm another process wrote to) that is cheaper
 * than an ordered consumer, which the server must create, count pending for, and drop again.
 * Nothing is gathered: a reader far behind (a storm read from its start) holds one message at a
 * time, where a list of them all held thousands, each twice (triage-bulk ran out of heap so).
 */
export const forEachOnSubjectAfter = Effect.fn("Nats.forEachOnSubjectAfter")(function*<E, R>(
  stream: string,
  subject: string,
  afterSeq: number,
  f: (message: StoredMessage) => Effect.Effect<void, E, R>
) {
  let seq = afterSeq + 1
  while (true) {
    // next_by_subj is in the server's message-get API (2.9) but not in the client's MsgRequest type.
    const request = { seq, next_by_subj: subject } as unknown as { seq: number }
    const stored = yield* getOwn(stream, request, `read ${stream} ${subject} after ${afterSeq}`)
    if (stored === null) return
    yield* f({ seq: stored.seq, subject: stored.subject, data: stored.data })
    seq = stored.seq + 1
  }
})

/** The messages on one subject stored after stream sequence `afterSeq`, in order, all at once (see `forEachOnSubjectAfter`). */
export const readSubjectAfter = (stream: string, subject: string, afterSeq: number) =>
  Effect.suspend(() => {
    const out: Array<StoredMessage> = []
    return forEachOnSubjectAfter(stream, subject, afterSeq, (message) => Effect.sync(() => void out.push(message))).pipe(
      Effect.as(out as ReadonlyArray<StoredMessage>)
    )
  })

/**
 * Every message on one subject, in stream order, e.g. the events of one incident.
 * Reads with a short-lived ordered consumer until it has caught up with the subject.
 */
export const readSubject = Effect.fn("Nats.readSubject")(function*(stream: string, subject: string) {
  const { js } = clientOf(yield* Nats)
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
