import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream"
import { Effect } from "effect"

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
