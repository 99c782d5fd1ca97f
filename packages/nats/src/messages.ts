import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream"
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
