import { randomUUID } from "node:crypto"
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import { Effect } from "effect"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { errorMessage, NatsRequestFailed } from "./errors.ts"

export interface ReadSinceOptions {
  readonly stream: string
  /** One subject filter (wildcards allowed): the client names it in the request's subject, which is what a permission checks. */
  readonly filterSubject: string
  readonly since: Date
  /** Messages read at most: a runaway subject cannot make a read unbounded. */
  readonly max: number
  readonly timeoutMs: number
  /** Names the failure, e.g. "read recent positions". */
  readonly operation: string
}

/**
 * The bodies of the messages on `filterSubject` stored since `since`, in stream order: a bounded
 * read with a short-lived push consumer (in memory, one replica, no acks) delivering into this
 * connection's own inbox. It is read until it has handed over what it held when made (at most
 * `max`, within `timeoutMs`); the server drops the consumer a few seconds after the inbox is closed.
 */
export const readSince = Effect.fn("Nats.readSince")(function*(options: ReadSinceOptions) {
  const nats = yield* Nats
  const { nc, jsm } = clientOf(nats)
  const failed = (cause: unknown) => new NatsRequestFailed({ operation: options.operation, message: errorMessage(cause) })
  const name = `since_${randomUUID().replaceAll("-", "")}`
  const inbox = `${nats.access.inboxPrefix ?? "_INBOX"}.${name}`
  return yield* Effect.acquireUseRelease(
    Effect.sync(() => nc.subscribe(inbox)),
    (subscription) =>
      Effect.tryPromise({
        try: async () => {
          const info = await jsm.consumers.add(options.stream, {
            name,
            deliver_subject: inbox,
            filter_subject: options.filterSubject,
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: options.since.toISOString(),
            ack_policy: AckPolicy.None,
            mem_storage: true,
            num_replicas: 1,
            // Gone this long after the inbox is closed: nothing to delete afterwards.
            inactive_threshold: 5_000_000_000
          })
          const expected = Math.min(info.num_pending, options.max)
          const read: Array<Uint8Array> = []
          if (expected === 0) return read as ReadonlyArray<Uint8Array>
          for await (const message of subscription) {
            // Only stored messages (their reply is the ack subject); nothing else comes to this inbox.
            if (message.reply?.startsWith("$JS.ACK.") !== true) continue
            read.push(message.data)
            if (read.length >= expected) break
          }
          return read as ReadonlyArray<Uint8Array>
        },
        catch: failed
      }),
    (subscription) => Effect.sync(() => subscription.unsubscribe())
  ).pipe(
    Effect.timeoutOrElse({ duration: options.timeoutMs, orElse: () => Effect.fail(failed(new Error("timed out"))) })
  )
})
