import type { ConsumerMessages, ConsumerNotification, JsMsg } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/transport-node"
import { Effect } from "effect"

/**
 * How long each pull request of a consume lives (the client's default is 30 s). The server sends
 * heartbeats at half of it, and the client notices a consumer leader that died with its pull only
 * after two are missed: with 30 s that was 30-60 s, and the fault suite saw P1 alarms reach the
 * console 70 s late after WT_INCIDENT's leader was killed. With 5 s it is within 5-10 s, for one
 * pull request per consumer every 5 s when idle.
 */
export const PullExpiresMs = 5_000

/** A consumer's message iterator, opened for the current scope. */
export interface OpenMessages {
  readonly messages: ConsumerMessages
  /** The one iterator of `messages`; concurrent `next()` calls each get a different message. */
  readonly iterator: AsyncIterator<JsMsg>
}

/**
 * Opens a consumer's messages for this scope. Closing stops the pull subscription at
 * once and ends the iterator; `messages.close()` alone would wait for a reader to
 * drain the iterator, which after an interruption never comes.
 */
export const openMessages = <E>(open: () => Promise<ConsumerMessages>, onError: (cause: unknown) => E) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: open, catch: onError }).pipe(
      Effect.map((messages): OpenMessages => ({ messages, iterator: messages[Symbol.asyncIterator]() }))
    ),
    ({ messages, iterator }) =>
      Effect.sync(() => messages.stop()).pipe(
        Effect.andThen(Effect.promise(() => iterator.return?.() ?? Promise.resolve(undefined))),
        Effect.timeout("5 seconds"),
        Effect.ignore
      )
  )

/**
 * Ends a consume session whose consumer can no longer deliver, so the caller makes it again. The
 * client's own recovery after a node died asks the consumer on that node for its info, or keeps
 * trying to make an ordered consumer again, until the node answers, and after a reconnect it does so
 * with its heartbeat watch off: a reader stood still as long as the node was away (the fault suite
 * saw care alarms reach the console 30-70 s late). A session therefore ends on two missed heartbeats,
 * on every reconnect of the connection, and on what `alsoEndOn` names (a deleted consumer).
 *
 * Untraced: it watches for as long as the session runs, and a span would stay open as long.
 */
export const endWhenStale = Effect.fnUntraced(function*(
  nc: NatsConnection,
  messages: ConsumerMessages,
  label: string,
  alsoEndOn: (status: ConsumerNotification) => string | undefined = () => undefined
) {
  // The client's status iterator is a queued iterator with stop(), which its type does not say.
  const connection = yield* Effect.acquireRelease(Effect.sync(() => nc.status()), (status) => Effect.sync(() => (status as { stop?: () => void }).stop?.()))
  const reconnected = Effect.tryPromise(async () => {
    for await (const status of connection) if (status.type === "reconnect") return "the connection moved to another server"
    return undefined
  })
  const consumer = Effect.tryPromise(async () => {
    for await (const status of messages.status()) {
      if (status.type === "heartbeats_missed" && status.count >= 2) return "the consumer went silent (its node is gone?)"
      const other = alsoEndOn(status)
      if (other !== undefined) return other
    }
    return undefined
  })
  const why = yield* Effect.raceFirst(reconnected, consumer)
  if (why === undefined) return
  messages.stop()
  yield* Effect.logWarning(`${label}: ${why}; making the consumer again`)
}, Effect.scoped, Effect.ignore())
