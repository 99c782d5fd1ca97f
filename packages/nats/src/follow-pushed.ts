import { AckPolicy, DeliverPolicy, ReplayPolicy } from "@nats-io/jetstream"
import { type Msg, nanos } from "@nats-io/transport-node"
import { randomBytes } from "node:crypto"
import { Effect, Schedule } from "effect"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { consumerCounters } from "./consumer-metrics.ts"
import { type DeliveryInfo, deliveryInfoOf } from "./delivery-info.ts"
import { apiErrorCode, ConsumerNotFound, errorMessage, NatsRequestFailed } from "./errors.ts"

export interface FollowPushedOptions {
  /** Names the reader in logs and in `wt_consumer_messages_total` (as its `consumer`, messages handed over as `handled`). */
  readonly reader: string
  readonly stream: string
  readonly filterSubject: string
  /** Where the first session starts: a stream sequence, or the first message stored at or after a time (ms since the epoch). */
  readonly from: { readonly seq: number } | { readonly timeMs: number }
  /** Once a session's consumer exists: how many messages it has to deliver before it is caught up. */
  readonly onOpened: (pending: number) => void
  /**
   * Each message, in stream order, once; must not throw. `info.pending` is what the server still
   * had to deliver after it. Called in the connection's read callback: keep it short.
   */
  readonly onMessage: (msg: Msg, info: DeliveryInfo) => void
  /**
   * A session ended (lost delivery, connection, heartbeat), called at once: messages stored
   * meanwhile come when the next one opens. Not called when the follower is interrupted.
   */
  readonly onLost: (reason: string) => void
  /** Each heartbeat (every 2 s while nothing is delivered) that shows nothing was missed. */
  readonly onHeartbeat?: () => void
}

/** The server's heartbeat while nothing is stored; three missed end the session. */
const HeartbeatMs = 2_000
const StalledAfterMs = HeartbeatMs * 3

/**
 * Follows a stream, in order and without acknowledgements, through an ephemeral push consumer
 * into a subscription's callback: no pull requests, no acks, no promise or fiber per message.
 * For a reader that keeps its own position with what it writes (supervision's journal holds the
 * sequence its signs of life were read through), so nothing needs to be acknowledged to the
 * server. Each session ends at the first sign of a lost message (a consumer sequence skipped, a
 * heartbeat that names a later one) or of a dead consumer (no heartbeat for three beats); the
 * next starts after the last message handed over, a second later. Runs until interrupted.
 *
 * Untraced: it runs for the life of the reader.
 */
export const followPushed = Effect.fnUntraced(function*(options: FollowPushedOptions): Effect.fn.Return<never, never, Nats> {
  const nats = yield* Nats
  const { nc, jsm } = clientOf(nats)
  const label = `${options.reader} (${options.stream} ${options.filterSubject})`
  const counted = consumerCounters(options.stream, options.reader)
  const context = yield* Effect.context<never>()
  // Counted once per turn of the event loop, as consume counts.
  let uncounted = 0
  const countHandled = () => {
    counted.handledUnsafe(context, uncounted)
    uncounted = 0
  }
  let lastSeq = 0

  const session = Effect.callback<never, NatsRequestFailed>((resume) => {
    let ended = false
    let consumer: string | undefined
    let lastConsumerSeq = 0
    let lastActivity = Date.now()
    const inbox = `${nats.access.inboxPrefix ?? "_INBOX"}.wt-follow.${randomBytes(12).toString("hex")}`
    const end = (reason: string, interrupted = false) => {
      if (ended) return
      ended = true
      if (!interrupted) options.onLost(reason)
      clearInterval(watchdog)
      sub.unsubscribe()
      if (consumer !== undefined) void jsm.consumers.delete(options.stream, consumer).catch(() => undefined)
      resume(Effect.fail(new NatsRequestFailed({ operation: label, message: reason })))
    }
    const sub = nc.subscribe(inbox, {
      callback: (error, msg) => {
        if (ended) return
        lastActivity = Date.now()
        if (error !== null) return end(errorMessage(error))
        const reply = msg.reply
        const info = reply === undefined || reply === "" ? undefined : deliveryInfoOf(reply)
        if (info !== undefined) {
          if (info.consumerSeq !== lastConsumerSeq + 1) return end(`delivery ${lastConsumerSeq + 1} was lost (got ${info.consumerSeq})`)
          lastConsumerSeq = info.consumerSeq
          lastSeq = info.streamSeq
          if (uncounted++ === 0) setImmediate(countHandled)
          return options.onMessage(msg, info)
        }
        // A status message: flow control wants an answer; a heartbeat names the last delivery and
        // a stalled consumer's subject.
        const headers = msg.headers
        if (headers === undefined) return
        if (headers.description.toLowerCase().includes("flowcontrol") && reply !== undefined && reply !== "") {
          msg.respond()
          return
        }
        const stalled = headers.get("Nats-Consumer-Stalled")
        if (stalled !== "") nc.publish(stalled)
        const last = Number(headers.get("Nats-Last-Consumer"))
        if (Number.isInteger(last) && last > lastConsumerSeq) end(`deliveries ${lastConsumerSeq + 1}–${last} were lost`)
        else if (headers.description.toLowerCase().includes("idle heartbeat")) options.onHeartbeat?.()
      }
    })
    const watchdog = setInterval(() => {
      if (Date.now() - lastActivity > StalledAfterMs) end(`no heartbeat for ${StalledAfterMs} ms`)
    }, HeartbeatMs)
    const from = lastSeq > 0 ? { seq: lastSeq + 1 } : options.from
    jsm.consumers.add(options.stream, {
      deliver_subject: inbox,
      filter_subject: options.filterSubject,
      ack_policy: AckPolicy.None,
      replay_policy: ReplayPolicy.Instant,
      flow_control: true,
      idle_heartbeat: nanos(HeartbeatMs),
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(30_000),
      ...("seq" in from
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, from.seq) }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(from.timeMs).toISOString() })
    }).then(
      (info) => {
        consumer = info.name
        if (ended) return void jsm.consumers.delete(options.stream, info.name).catch(() => undefined)
        lastActivity = Date.now()
        // The reader's series exists from its first session on, read or not (a dashboard, the benchmark).
        counted.handledUnsafe(context, 0)
        options.onOpened(info.num_pending)
      },
      (error: unknown) => end(`cannot make the consumer: ${errorMessage(error)}`)
    )
    // Interrupted: the subscription and the consumer go at once.
    return Effect.sync(() => end("interrupted", true))
  })

  return yield* session.pipe(
    Effect.catch((error) => Effect.logWarning(`${label}: ${error.message}; resuming after seq ${lastSeq}`)),
    Effect.repeat(Schedule.spaced("1 second")),
    Effect.andThen(Effect.never)
  )
})

/**
 * Hands a durable's place over to a follower: the sequence after its ack floor (everything up to
 * it is handled), and the durable deleted, since nothing will read it again and the server would
 * otherwise keep counting what it has not delivered. Undefined when there is no such durable.
 */
export const retireDurable = Effect.fn("Nats.retireDurable")(function*(stream: string, durable: string) {
  const { jsm } = clientOf(yield* Nats)
  const failed = (cause: unknown) => new NatsRequestFailed({ operation: `retire ${stream}/${durable}`, message: errorMessage(cause) })
  const info = yield* Effect.tryPromise({ try: () => jsm.consumers.info(stream, durable), catch: (cause) => cause }).pipe(
    Effect.map((info) => info as { readonly ack_floor: { readonly stream_seq: number } } | undefined),
    Effect.catch((cause) => apiErrorCode(cause) === ConsumerNotFound ? Effect.succeed(undefined) : Effect.fail(failed(cause)))
  )
  if (info === undefined) return undefined
  yield* Effect.tryPromise({ try: () => jsm.consumers.delete(stream, durable), catch: (cause) => cause }).pipe(
    Effect.catch((cause) => apiErrorCode(cause) === ConsumerNotFound ? Effect.void : Effect.fail(failed(cause)))
  )
  return info.ack_floor.stream_seq + 1
})
