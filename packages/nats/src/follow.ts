import { DeliverPolicy, jetstream, type JsMsg, type OrderedConsumerOptions } from "@nats-io/jetstream"
import { Effect, Metric, Result, Schedule } from "effect"
import { decodeJson, type WireSchema } from "./codec.ts"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { errorMessage, NatsRequestFailed } from "./errors.ts"
import { endWhenStale, openMessages, PullExpiresMs } from "./messages.ts"
import { deliveryAttributes, deliverySpanOptions, tracingExportedNow } from "./trace-context.ts"

export interface FollowMeta {
  readonly subject: string
  readonly streamSeq: number
}

export interface FollowOptions<A, E, R> {
  readonly stream: string
  readonly filterSubject: string
  /** First stream sequence to deliver; e.g. one past what a read model has already applied. */
  readonly startSeq?: number
  /** Only messages stored from now on (ignored when `startSeq` is set). */
  readonly deliverNew?: boolean
  /** The last message of every subject, then everything new (ignored when `startSeq` is set). */
  readonly deliverLastPerSubject?: boolean
  readonly schema: WireSchema<A>
  /** Messages on these subjects are passed over undecoded (a writer's own, already applied as written). */
  readonly skip?: (subject: string) => boolean
  /** Messages pulled ahead of the one handled (default 256); fewer where each is large. */
  readonly pullAhead?: number
  /** A failing handler stops `follow` with its error; messages need no acks. */
  readonly handler: (value: A, meta: FollowMeta) => Effect.Effect<void, E, R>
}

export const followSkippedTotal = Metric.counter("wt_follow_skipped_total", {
  description: "Messages an ordered reader skipped because they did not decode",
  incremental: true
})

/**
 * An ordered consumer is an R1 ephemeral on one node: when that node dies, a new one must be made
 * where the stream's leader is now (endWhenStale ends the session; the next starts after the last
 * message handled). The server's heartbeat each second, so a live view notices within 2 s.
 */
const FollowHeartbeatMs = 1_000

/**
 * How long making the ordered consumer may wait for an answer (the client's default is 5 s). Just
 * after its node died, the request often goes unanswered while the cluster moves leaders; the
 * follow-failover test saw one to three such tries before one was answered. Each unanswered try
 * held the live view that long, so a try is given up sooner and made again a second later.
 */
const FollowSetupTimeoutMs = 2_000

/**
 * Reads a stream in order with an ephemeral ordered consumer, until interrupted;
 * for read models and live views. Messages that do not decode are skipped and counted.
 * After a lost connection it resumes after the last message it handled.
 *
 * Untraced: it runs for the life of its reader, and a span here would be the parent of every span under it.
 */
export const follow = Effect.fnUntraced(function*<A, E, R>(options: FollowOptions<A, E, R>): Effect.fn.Return<never, E | NatsRequestFailed, R | Nats> {
  const { nc } = clientOf(yield* Nats)
  const js = jetstream(nc, { timeout: FollowSetupTimeoutMs })
  const skipped = Metric.withAttributes(followSkippedTotal, { stream: options.stream })
  const failed = (cause: unknown) =>
    new NatsRequestFailed({ operation: `follow ${options.stream} ${options.filterSubject}`, message: errorMessage(cause) })
  let lastSeq = 0
  // Decided once: without an exporting tracer no message costs a header read or a span.
  const traced = yield* tracingExportedNow
  const spanName = `Nats.follow ${options.stream}`
  const handlerOf = (value: A, msg: JsMsg) => {
    const handled = options.handler(value, { subject: msg.subject, streamSeq: msg.seq })
    return traced
      ? Effect.withSpan(handled, spanName, deliverySpanOptions(msg.headers, deliveryAttributes(options.stream, "ordered", msg.seq)))
      : handled
  }

  const startOptions = (): Partial<OrderedConsumerOptions> => {
    if (lastSeq > 0) return { filter_subjects: options.filterSubject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }
    if (options.startSeq !== undefined) {
      return { filter_subjects: options.filterSubject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.startSeq }
    }
    if (options.deliverLastPerSubject === true) return { filter_subjects: options.filterSubject, deliver_policy: DeliverPolicy.LastPerSubject }
    return { filter_subjects: options.filterSubject, deliver_policy: options.deliverNew === true ? DeliverPolicy.New : DeliverPolicy.All }
  }

  const session = Effect.scoped(
    Effect.gen(function*() {
      const consumer = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => js.consumers.get(options.stream, startOptions()), catch: failed }),
        // Not awaited: the server drops it anyway once inactive, and the reader should not wait for it.
      (consumer) => Effect.sync(() => void consumer.delete().catch(() => undefined))
      )
      const { iterator, messages } = yield* openMessages(() => consumer.consume({ max_messages: options.pullAhead ?? 256, expires: PullExpiresMs, idle_heartbeat: FollowHeartbeatMs }), failed)
      yield* Effect.forkScoped(endWhenStale(nc, messages, `follow ${options.stream}`))
      while (true) {
        const next = yield* Effect.tryPromise({ try: () => iterator.next(), catch: failed })
        if (next.done === true) return
        const msg = next.value
        if (options.skip?.(msg.subject) === true) {
          lastSeq = msg.seq
          continue
        }
        const decoded = decodeJson(options.schema, msg.data)
        if (Result.isFailure(decoded)) {
          yield* Metric.update(skipped, 1)
          yield* Effect.logDebug(`follow ${options.stream}: skipped seq ${msg.seq} (${decoded.failure.kind})`)
        } else {
          // Boxed, so a handler error is never mistaken for a lost connection below.
          yield* handlerOf(decoded.success, msg).pipe(
            Effect.mapError((error) => ({ handlerFailed: error }))
          )
        }
        lastSeq = msg.seq
      }
    })
  )

  // A second after each session ends (lost connection, stale consumer), the next resumes; a
  // handler's failure ends the repeat, the only way it ends besides interruption.
  return yield* session.pipe(
    Effect.catch((error) =>
      "handlerFailed" in error
        ? Effect.fail(error.handlerFailed)
        : Effect.logWarning(`follow ${options.stream}: ${error.message}; resuming`)
    ),
    Effect.repeat(Schedule.spaced("1 second")),
    Effect.andThen(Effect.never)
  )
})
