import { AckPolicy, DeliverPolicy, type ConsumerConfig, type ConsumerNotification, type JsMsg } from "@nats-io/jetstream"
import { type MsgHdrs, nanos } from "@nats-io/transport-node"
import type { DeadLetterSource } from "@wt/contracts"
import { Cause, type Context, Duration, Effect, Exit, Result, Schedule, Schema } from "effect"
import { makeAcker } from "./client-fast-paths/acks.ts"
import { decodeJson, type WireSchema } from "./codec.ts"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { deadLetterStored } from "./dead-letters.ts"
import { consumerCounters } from "./consumer-metrics.ts"
import { apiErrorCode, ConsumerAlreadyExists, ConsumerNotFound, ConsumerSetupFailed, type DecodeFailed, errorMessage } from "./errors.ts"
import { type DeliveryInfo, deliveryInfoOf } from "./delivery-info.ts"
import { delayFor, failureText, isTransientCause, verdictOnFailure, verdictOnUnsettled } from "./delivery-verdict.ts"
import { type Hand, Hands, readIntoHands } from "./message-hands.ts"
import { endWhenStale, openMessages, PullExpiresMs } from "./messages.ts"
import { deliveryAttributes, deliverySpanOptions, tracingExportedNow } from "./trace-context.ts"

/** What a handler knows about the message besides its decoded value. */
export interface MessageMeta {
  readonly subject: string
  readonly streamSeq: number
  /** 1 on first delivery. */
  readonly deliveries: number
  /** When JetStream stored the message (ms since the epoch). */
  readonly storedAtMs: number
  /**
   * Messages the consumer still had to deliver after this one, as the server counted at delivery.
   * Cheap to read, unlike a consumer info: on nats-server 2.9 that recounts a filtered consumer's
   * pending messages subject by subject, holding up the stream meanwhile.
   */
  readonly pending: number
  readonly raw: Uint8Array
  readonly headers: MsgHdrs | undefined
}

export interface ConsumeOptions<A, E, R> {
  readonly stream: string
  /** Durable consumer name; copies of a service share it and split the messages. */
  readonly durable: string
  readonly filterSubject: string
  /**
   * What a message's bytes must be: JSON of this schema, or (`decode`) any other wire form, such as
   * a device frame's. Bytes that are not are dead-lettered with the reason.
   */
  readonly schema: WireSchema<A> | { readonly decode: (bytes: Uint8Array) => Result.Result<A, DecodeFailed> }
  /** Names the dead letters this consumer produces (`wt.dlq.<source>`). */
  readonly source: DeadLetterSource
  readonly handler: (value: A, meta: MessageMeta) => Effect.Effect<void, E, R>
  /**
   * Takes a message in the step that read it, without a fiber, where it can; `handler` takes the
   * rest. See `HandleNow`. Not used while traces are exported: each message then keeps its span.
   */
  readonly handleNow?: HandleNow<A, E>
  /** Attempts before a message failing by its own fault is dead-lettered; default 5. */
  readonly maxDeliver?: number
  /**
   * How long a message failing because NATS was away (or not acknowledged because a copy died
   * or its acks were lost) is retried past `maxDeliver` before it is dead-lettered; default 10 minutes.
   */
  readonly giveUpAfter?: Duration.Input
  /** Redelivery delay (ms) after the n-th failure; the last entry repeats. Default [250, 1000, 5000]. */
  readonly backoff?: ReadonlyArray<number>
  /** Messages handled at once; default 1 (in order). Each message is still acked exactly once. */
  readonly concurrency?: number
  /** How long a handler may take; past it the attempt counts as failed (the server would redeliver). Default 30 s. */
  readonly ackWait?: Duration.Input
  /** Where a newly created consumer starts (a stream sequence: there); an existing durable keeps its position. Default "all". */
  readonly deliverPolicy?: DeliverFrom
  /** Unacknowledged messages the server hands out to all copies together; default max(128, 32 × concurrency). */
  readonly maxAckPending?: number
}

/**
 * A handler's way for the messages that need no fiber (nearly all of a bulk lane: a heartbeat
 * that changes nothing, an event joining a batch). Returns false to leave the message to the
 * consumer's `handler`; returns true once it has taken it, and then calls `done` once, at once
 * or later, with how it ended: success acknowledges the message, a failure is a failed attempt
 * like the handler's. Must not throw. A message whose `done` has not come when the handler would
 * be overdue, or when the consumer stops, is given up as an interrupted handler's would be; a
 * later `done` then changes nothing. So work it waits on is not cancelled through it: that work
 * ends by itself, or is a handler's fiber, which shutdown and the overdue watch interrupt.
 */
/** Where a new durable starts: at the stream's first message, its next one, or a sequence. */
export type DeliverFrom = "all" | "new" | { readonly startSeq: number }

export type HandleNow<A, E> = (value: A, meta: MessageMeta, done: (exit: Exit.Exit<void, E>) => void) => boolean

/** A message's meta, its headers decoded only when read (most handlers never do). */
class DeliveredMeta implements MessageMeta {
  readonly subject: string
  readonly streamSeq: number
  readonly deliveries: number
  readonly storedAtMs: number
  readonly pending: number
  readonly raw: Uint8Array
  readonly #msg: JsMsg
  constructor(msg: JsMsg, info: DeliveryInfo) {
    this.#msg = msg
    this.subject = msg.subject
    this.streamSeq = info.streamSeq
    this.deliveries = info.deliveries
    this.storedAtMs = info.storedAtMs
    this.pending = info.pending
    this.raw = msg.data
  }
  get headers(): MsgHdrs | undefined {
    return this.#msg.headers
  }
}


/** How a message taken without a fiber ends when it is given up (overdue, or the consumer stopping). */
const interrupted = Exit.interrupt()

const defaultBackoff: ReadonlyArray<number> = [250, 1000, 5000]

/**
 * The delivery facts of a message, read from its reply subject, which the client's message has
 * (`reply`) but its type does not name; the client's own parse when that is not there or not read.
 */
const deliveryOf = (msg: JsMsg): DeliveryInfo => {
  const reply = (msg as unknown as { readonly reply?: unknown }).reply
  const read = typeof reply === "string" ? deliveryInfoOf(reply) : undefined
  if (read !== undefined) return read
  const info = msg.info
  return { deliveries: info.deliveryCount, streamSeq: info.streamSequence, consumerSeq: info.deliverySequence, storedAtMs: info.timestampNanos / 1e6, pending: info.pending }
}


/**
 * Creates the durable pull consumer, or brings an existing one to these settings.
 * The server's max_deliver stays unlimited: the client dead-letters after `maxDeliver`,
 * so a message whose last attempt timed out is dead-lettered rather than dropped.
 */
export const ensureConsumer = Effect.fn("Nats.ensureConsumer")(function*(options: {
  readonly stream: string
  readonly durable: string
  readonly filterSubject: string
  readonly ackWaitMs: number
  readonly maxAckPending: number
  readonly deliverPolicy: DeliverFrom
}) {
  const { jsm } = clientOf(yield* Nats)
  const failed = (cause: unknown) =>
    new ConsumerSetupFailed({ stream: options.stream, durable: options.durable, message: errorMessage(cause) })
  const mutable = {
    filter_subject: options.filterSubject,
    ack_wait: nanos(options.ackWaitMs),
    max_ack_pending: options.maxAckPending,
    max_deliver: -1
  } satisfies Partial<ConsumerConfig>
  const update = Effect.tryPromise({ try: () => jsm.consumers.update(options.stream, options.durable, mutable), catch: failed })

  const current = yield* Effect.tryPromise({
    try: () => jsm.consumers.info(options.stream, options.durable),
    catch: (cause) => cause
  }).pipe(
    Effect.map((info) => info.config),
    Effect.catch((cause) => apiErrorCode(cause) === ConsumerNotFound ? Effect.succeed(undefined) : Effect.fail(failed(cause)))
  )
  if (current === undefined) {
    yield* Effect.tryPromise({
      try: () =>
        jsm.consumers.add(options.stream, {
          ...mutable,
          durable_name: options.durable,
          ack_policy: AckPolicy.Explicit,
          ...(options.deliverPolicy === "new"
            ? { deliver_policy: DeliverPolicy.New }
            : options.deliverPolicy === "all"
            ? { deliver_policy: DeliverPolicy.All }
            : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, options.deliverPolicy.startSeq) })
        }),
      catch: (cause) => cause
    }).pipe(
      // Another copy of the service created it in the meantime.
      Effect.catch((cause) => apiErrorCode(cause) === ConsumerAlreadyExists ? update : Effect.fail(failed(cause)))
    )
    return
  }
  if (
    current.filter_subject !== mutable.filter_subject || current.ack_wait !== mutable.ack_wait ||
    current.max_ack_pending !== mutable.max_ack_pending || current.max_deliver !== mutable.max_deliver
  ) {
    yield* update
  }
})

/**
 * Runs a durable consumer until interrupted.
 *
 * - bytes that are not JSON or do not match the schema go to `wt.dlq.<source>` with the reason, then are acked;
 * - a failing handler's message is redelivered after the backoff for its delivery count;
 * - after `maxDeliver` failed deliveries the message is dead-lettered and terminated.
 *
 * Fails only if the consumer cannot be set up at start; later losses (consumer deleted,
 * connection closed) are logged and the consumer is set up again.
 *
 * Untraced: it runs for the life of the process, and a span here would be the parent of every span under it.
 */
export const consume = Effect.fnUntraced(function*<A, E, R>(options: ConsumeOptions<A, E, R>): Effect.fn.Return<never, ConsumerSetupFailed, R | Nats> {
  const { js, nc } = clientOf(yield* Nats)
  const maxDeliver = options.maxDeliver ?? 5
  const giveUpAfterMs = Duration.toMillis(Duration.fromInputUnsafe(options.giveUpAfter ?? "10 minutes"))
  // Stream sequence → when this process first saw it fail; settled messages leave it.
  const failingSince = new Map<number, number>()
  const failingForMs = (msg: JsMsg, now: number) => {
    const since = failingSince.get(msg.seq)
    if (since !== undefined) return now - since
    if (failingSince.size > 4096) {
      for (const [seq, at] of failingSince) if (now - at > 2 * giveUpAfterMs) failingSince.delete(seq)
    }
    failingSince.set(msg.seq, now)
    return 0
  }
  // On every ack: nothing to look up while no message is failing.
  const settled = (msg: JsMsg) => failingSince.size > 0 && failingSince.delete(msg.seq)
  const backoff = options.backoff ?? defaultBackoff
  const concurrency = Math.max(1, options.concurrency ?? 1)
  const maxAckPending = options.maxAckPending ?? Math.max(128, concurrency * 32)
  const setup = {
    stream: options.stream,
    durable: options.durable,
    filterSubject: options.filterSubject,
    ackWaitMs: Duration.toMillis(Duration.fromInputUnsafe(options.ackWait ?? "30 seconds")),
    maxAckPending,
    deliverPolicy: options.deliverPolicy ?? "all"
  } as const
  const label = `${options.stream}/${options.durable}`
  const counted = consumerCounters(options.stream, options.durable)
  // A little under the ack wait, so the message is handed back before the server redelivers it.
  const handlerTimeoutMs = Math.floor(setup.ackWaitMs * 0.9)
  // Decided once: without an exporting tracer no message costs a header read or a span.
  const traced = yield* tracingExportedNow
  const spanName = `Nats.consume ${label}`
  const handleNow = traced ? undefined : options.handleNow
  const wire = options.schema
  const decode: (bytes: Uint8Array) => Result.Result<A, DecodeFailed> = !Schema.isSchema(wire) && "decode" in wire
    ? wire.decode
    : (bytes) => decodeJson(wire as WireSchema<A>, bytes)
  const handlerOf = (value: A, meta: DeliveredMeta, msg: JsMsg) =>
    traced
      ? Effect.withSpan(
        options.handler(value, meta),
        spanName,
        deliverySpanOptions(msg.headers, deliveryAttributes(options.stream, options.durable, meta.streamSeq))
      )
      : options.handler(value, meta)

  const deadLetter = (msg: JsMsg, deliveries: number, reason: string, reasonKind: string) =>
    // A redelivery of the same message (lost ack) is stored once.
    deadLetterStored(options.source, msg, { deliveries, reason, reasonKind, msgId: `${options.stream}.${options.durable}.${msg.seq}` })

  // Dead-letters, then settles the message; if the dead letter cannot be stored, the message comes back later.
  const reject = (msg: JsMsg, deliveries: number, reason: string, reasonKind: string, settle: () => void) =>
    deadLetter(msg, deliveries, reason, reasonKind).pipe(
      Effect.matchEffect({
        onSuccess: () =>
          Effect.sync(() => {
            settle()
            settled(msg)
          }).pipe(
            Effect.andThen(counted.deadLettered),
            Effect.andThen(Effect.logWarning(`${label}: dead-lettered ${msg.subject} seq ${msg.seq} (${reasonKind})`))
          ),
        onFailure: (error) =>
          Effect.sync(() => msg.nak(delayFor(backoff, deliveries))).pipe(
            Effect.andThen(counted.retried),
            Effect.andThen(Effect.logError(`${label}: cannot dead-letter seq ${msg.seq}: ${error.message}`))
          )
      })
    )

  // A failed attempt: redelivered after the backoff, or dead-lettered (delivery-verdict.ts).
  const failed = (msg: JsMsg, deliveries: number, failure: string, transient: boolean) => {
    const verdict = verdictOnFailure({ deliveries, maxDeliver, transient, failingForMs: failingForMs(msg, Date.now()), giveUpAfterMs, backoff, failure })
    if (verdict._tag === "deadLetter") return reject(msg, deliveries, verdict.reason, "max_deliver", () => msg.term())
    const log = deliveries >= maxDeliver
      ? Effect.logWarning(`${label}: seq ${msg.seq} failed on delivery ${deliveries} while NATS was away; trying again (${failure})`)
      : Effect.logDebug(`${label}: handler failed on seq ${msg.seq}, delivery ${deliveries}: ${failure}`)
    return Effect.sync(() => msg.nak(verdict.delayMs)).pipe(Effect.andThen(counted.retried), Effect.andThen(log))
  }
  const overdueFailure = `handler did not finish within ${handlerTimeoutMs} ms (ack wait ${setup.ackWaitMs} ms)`

  /**
   * Each message's handler runs in a fiber of its own, started in the step that read the message:
   * a handler that finishes at once is settled in that same step, one that waits is settled when
   * its fiber ends. Only the handler runs in that fiber, so only the handler can be interrupted
   * (by the overdue watch or by shutdown): settling its message is never cut in half.
   */
  const makeHandling = (context: Context.Context<R | Nats>, hands: Hands) => {
    const run = Effect.runForkWith(context)
    const ack = makeAcker(nc)
    // Counted once per turn of the event loop: an update looks the counter's series up each time.
    let uncounted = 0
    const countHandled = () => {
      counted.handledUnsafe(context, uncounted)
      uncounted = 0
    }
    // Settling that takes effects (a dead letter, a log line) runs uninterruptibly; the hand is free once it ends.
    const settleWith = (hand: Hand, effect: Effect.Effect<void, never, R | Nats>) => {
      const fiber = run(effect, { uninterruptible: true })
      if (fiber.pollUnsafe() !== undefined) hands.release(hand)
      else fiber.addObserver(() => hands.release(hand))
    }
    const settle = (hand: Hand, exit: Exit.Exit<void, E>) => {
      const msg = hand.msg!
      hand.startedAtMs = 0
      if (Exit.isSuccess(exit)) {
        ack(msg)
        settled(msg)
        if (uncounted++ === 0) setImmediate(countHandled)
        return hands.release(hand)
      }
      if (!Cause.hasInterruptsOnly(exit.cause)) {
        return settleWith(hand, failed(msg, hand.deliveries, failureText(exit.cause), isTransientCause(exit.cause)))
      }
      // Interrupted by the overdue watch, the attempt failed; by shutdown, the message goes
      // back at once instead of after the ack wait.
      if (hand.overdue) return settleWith(hand, failed(msg, hand.deliveries, overdueFailure, true))
      msg.nak()
      hands.release(hand)
    }
    // Settling runs in plain callbacks (a fiber's observer), where nothing may throw: an ack on a
    // closed connection throws, and the server hands that message out again after the ack wait.
    const settleOrLeave = (hand: Hand, exit: Exit.Exit<void, E>) => {
      const msg = hand.msg
      try {
        settle(hand, exit)
      } catch (error) {
        if (hand.msg === msg && msg !== undefined) hands.release(hand)
        run(Effect.logWarning(`${label}: cannot settle seq ${msg?.seq}: ${errorMessage(error)}`))
      }
    }
    // True when handleNow took the message; its `done` settles the hand once, if the hand still holds that message.
    const takenNow = (hand: Hand, msg: JsMsg, value: A, meta: DeliveredMeta): boolean => {
      const done = (exit: Exit.Exit<void, E>) => {
        if (hand.msg === msg) settleOrLeave(hand, exit)
      }
      let taken: boolean
      try {
        taken = handleNow!(value, meta, done)
      } catch (error) {
        // A defect of the handler's: the attempt failed, as a handler's defect would.
        done(Exit.die(error))
        return true
      }
      // Still waiting: the overdue watch and shutdown give it up as they would interrupt a fiber,
      // and a done that comes after that finds the hand no longer holding this message.
      if (taken && hand.msg === msg) hand.handler = { interruptUnsafe: () => done(interrupted) }
      return taken
    }
    return (hand: Hand): void => {
      const msg = hand.msg!
      const info = deliveryOf(msg)
      const deliveries = hand.deliveries = info.deliveries
      if (deliveries > maxDeliver) {
        // The previous attempts were not settled (a copy died holding it, or its acks were lost with a
        // node): tried again, unless it has been failing for long. Across restarts, from when it was stored.
        const now = Date.now()
        const storedAgoMs = now - Math.floor(info.storedAtMs)
        const verdict = verdictOnUnsettled({ deliveries, maxDeliver, failingForMs: Math.max(failingForMs(msg, now), storedAgoMs), giveUpAfterMs })
        if (verdict !== "handle") return settleWith(hand, reject(msg, deliveries, verdict.reason, "max_deliver", () => msg.term()))
      }
      const decoded = decode(msg.data)
      if (Result.isFailure(decoded)) {
        return settleWith(hand, reject(msg, deliveries, decoded.failure.message, decoded.failure.kind, () => msg.ack()))
      }
      const value = decoded.success
      const meta = new DeliveredMeta(msg, info)
      hand.startedAtMs = Date.now()
      if (handleNow !== undefined && takenNow(hand, msg, value, meta)) return
      const fiber = run(Effect.suspend(() => handlerOf(value, meta, msg)))
      const exit = fiber.pollUnsafe()
      if (exit !== undefined) return settleOrLeave(hand, exit)
      hand.handler = fiber
      fiber.addObserver((exit) => settleOrLeave(hand, exit))
    }
  }

  /**
   * One watch per consumer instead of a timer per message (a per-message timeout forked two
   * fibers for every message, a measurable share of a busy consumer's CPU). The check and the
   * interrupt happen in one synchronous step, so the interrupt reaches the overdue handler, never
   * the next message. It looks often enough to give a handler up before 95 % of the ack wait, so
   * the message is settled before the server hands it out again.
   */
  const watchOverdue = (hands: ReadonlyArray<Hand>) =>
    Effect.forever(
      Effect.sleep(Math.min(1000, Math.max(10, Math.floor(setup.ackWaitMs * 0.05)))).pipe(
        Effect.andThen(Effect.sync(() => {
          const now = Date.now()
          for (const hand of hands) {
            if (hand.overdue || hand.startedAtMs === 0 || now - hand.startedAtMs <= handlerTimeoutMs) continue
            hand.overdue = true
            hand.handler?.interruptUnsafe()
          }
        }))
      )
    )

  // A deleted consumer does not come back by itself: stop, so the outer loop sets it up again.
  const deleted = (status: ConsumerNotification) =>
    status.type === "consumer_deleted" || (status.type === "consumer_not_found" && status.count >= 2) ? "the consumer was deleted" : undefined

  const session = Effect.scoped(
    Effect.gen(function*() {
      const consumer = yield* Effect.tryPromise({
        try: () => js.consumers.get(options.stream, options.durable),
        catch: (cause) => new ConsumerSetupFailed({ stream: options.stream, durable: options.durable, message: errorMessage(cause) })
      })
      const { messages, iterator } = yield* openMessages(
        () => consumer.consume({ max_messages: Math.min(maxAckPending, Math.max(32, concurrency * 8)), expires: PullExpiresMs }),
        (cause) => new ConsumerSetupFailed({ stream: options.stream, durable: options.durable, message: errorMessage(cause) })
      )
      yield* Effect.forkScoped(endWhenStale(nc, messages, label, deleted))
      const hands = new Hands(concurrency)
      yield* Effect.forkScoped(watchOverdue(hands.all))
      const context = yield* Effect.context<R | Nats>()
      const handle = makeHandling(context, hands)
      // The iterator ends when the client stops (consumer deleted, connection closed): the messages
      // in hand are settled and the session ends. Interrupted, it stops reading and interrupts the
      // handlers, whose messages go back at once; it ends once every hand is free.
      yield* Effect.callback<void>((resume) => {
        let reading = true
        let end = () => resume(Effect.void)
        hands.onIdle = () => {
          if (!reading) end()
        }
        readIntoHands(iterator, hands, handle).catch((error: unknown) =>
          Effect.runForkWith(context)(Effect.logWarning(`${label}: message iterator failed: ${errorMessage(error)}`))
        ).finally(() => {
          reading = false
          if (hands.busy === 0) end()
        })
        return Effect.callback<void>((stopped) => {
          end = () => stopped(Effect.void)
          hands.stop()
          if (hands.busy === 0) return end()
          // The client's pull is ended first (a message handed back while it is open would be
          // delivered to it again), and the handlers interrupted once the server has seen that.
          messages.stop()
          const handBack = () => {
            clearTimeout(late)
            for (const hand of hands.all) hand.handler?.interruptUnsafe()
          }
          const late = setTimeout(handBack, 1_000)
          nc.flush().then(handBack, handBack)
        })
      })
    })
  )

  // The first setup's failure is the caller's. A restart (a second after the last session ended)
  // sets the consumer up again, as it may have been deleted; a failure then is logged, and the
  // session that follows ends soon if it cannot read either.
  const setUp = Effect.flatMap(Schedule.CurrentMetadata, ({ attempt }) =>
    attempt === 0
      ? ensureConsumer(setup)
      : ensureConsumer(setup).pipe(Effect.catch((error) => Effect.logWarning(`${label}: ${error.message}`))))
  const round = setUp.pipe(
    Effect.andThen(Effect.exit(session)),
    Effect.flatMap((exit) => {
      const why = Exit.isFailure(exit) ? failureText(exit.cause) : "message stream ended"
      return Effect.logWarning(`${label}: consumer stopped (${why}); setting it up again`)
    })
  )
  // Schedule.spaced never stops: the repeat ends only by the first setup failing (or interruption).
  return yield* round.pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.andThen(Effect.never))
})
