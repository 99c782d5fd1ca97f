import { Context, Effect, Layer, Option } from "effect"
import { type Lane, Lanes, Streams } from "@wt/contracts"
import { type FramedThrough, Nats } from "@wt/nats"

/**
 * The durables through which supervision saw every lane, apart from triage's classifying ones.
 * Named from when supervision ran inside triage. The alarm lane's is still read; the tech and
 * telemetry lanes' are where a first start after the change to followed lanes takes up, and are
 * then deleted (supervision-lanes.ts).
 */
export const SupervisionDurables: Record<Lane, string> = {
  alarm: "triage-supervision-alarm",
  tech: "triage-supervision-tech",
  telemetry: "triage-supervision-telemetry"
}

/**
 * The lanes supervision follows without a durable: every copy reads every event there (each is at
 * most a sign of life and a storm's return, a map update), no message is acknowledged, and the
 * position read through travels in the journal with the signs (docs/supervision-journal.md).
 */
export const FollowedLanes = ["tech", "telemetry"] as const satisfies ReadonlyArray<Lane>
export type FollowedLane = (typeof FollowedLanes)[number]
export const isFollowed = (lane: Lane): lane is FollowedLane => (FollowedLanes as ReadonlyArray<Lane>).includes(lane)

/** How each followed lane's reader is named in logs and in `wt_consumer_messages_total`. */
export const FollowedReaders: Record<FollowedLane, string> = {
  tech: "supervision-follow-tech",
  telemetry: "supervision-follow-telemetry"
}


/** Of a mark kept and one heard, the one that says more: the later instant. */
const laterMark = (kept: FramedThrough | undefined, heard: FramedThrough): FramedThrough =>
  kept === undefined || heard.atMs > kept.atMs ? heard : kept

/**
 * What one process's supervision consumer of a lane has been handed and has finished. A reader of
 * a lane's frames (`framed`) that has nothing more to read has read what is framed, not what is
 * stored: it counts as caught up only as far as the frame writers' marks say (framed-through.ts).
 */
export class LaneProgress {
  readonly #framed: boolean
  /** The latest writer's mark within what this reader has read, and the latest beyond it. */
  #markWithin: FramedThrough | undefined
  #markAhead: FramedThrough | undefined

  readonly #inFlight = new Map<number, number>()
  /** Messages whose handling failed: they come back (here or to another copy) within the retry horizon. */
  readonly #retrying = new Map<number, { readonly storedAtMs: number; readonly untilMs: number }>()
  #lastSeq = 0
  #startSeq = 1
  #lastStoredAtMs = 0
  #lastPending: number | undefined

  constructor(options: { readonly framed: boolean } = { framed: false }) {
    this.#framed = options.framed
  }

  /** A followed lane's reader starts at this stream sequence: everything before it counts as read. */
  startsAt(streamSeq: number): void {
    this.#startSeq = streamSeq
  }

  /** A frame writer's mark: every event of the lane stored before `atMs` is at or before `seq`. */
  framedThrough(mark: FramedThrough): void {
    if (mark.seq <= this.#readThrough()) this.#markWithin = laterMark(this.#markWithin, mark)
    else this.#markAhead = laterMark(this.#markAhead, mark)
  }

  /** The stream sequence through which everything handed over is handled, or the start's eve. */
  #readThrough(): number {
    const handled = this.handledThroughSeq()
    return handled === undefined ? this.#startSeq - 1 : Math.max(handled, this.#startSeq - 1)
  }

  /** Up to when the writers' marks say every stored event of the lane is among those read. */
  #markedThrough(): number {
    const ahead = this.#markAhead
    if (ahead !== undefined && ahead.seq <= this.#readThrough()) {
      this.#markWithin = laterMark(this.#markWithin, ahead)
      this.#markAhead = undefined
    }
    return this.#markWithin?.atMs ?? 0
  }

  started(streamSeq: number, storedAtMs: number, pending: number): void {
    this.#inFlight.set(streamSeq, storedAtMs)
    this.#retrying.delete(streamSeq)
    this.handled(streamSeq, storedAtMs, pending)
  }

  finished(streamSeq: number, handled: boolean, nowMs: number): void {
    const storedAtMs = this.#inFlight.get(streamSeq)
    this.#inFlight.delete(streamSeq)
    if (!handled && storedAtMs !== undefined) this.#retrying.set(streamSeq, { storedAtMs, untilMs: nowMs + RetryHorizonMs })
  }

  /** A message handled at once, in the step that read it: as `started` then `finished`, with nothing held in between. */
  handled(streamSeq: number, storedAtMs: number, pending: number): void {
    if (streamSeq >= this.#lastSeq) {
      this.#lastSeq = streamSeq
      this.#lastStoredAtMs = storedAtMs
      this.#lastPending = pending
    }
  }

  /** A consumer info said nothing was pending or unacknowledged. */
  caughtUp(): void {
    if (this.#lastPending === undefined) this.#lastPending = 0
  }

  /** The reader lost its place (a followed lane's session ended): nothing is known again until it hears anew. */
  lost(): void {
    this.#lastPending = undefined
  }

  /**
   * The stream sequence up to which every message this process was handed on the lane is handled
   * (a followed lane's position, kept in the journal); undefined before it was handed any.
   */
  handledThroughSeq(): number | undefined {
    if (this.#lastSeq === 0) return undefined
    let through = this.#lastSeq
    for (const seq of this.#inFlight.keys()) through = Math.min(through, seq - 1)
    return through
  }


  /**
   * Up to when this lane's stored events are handled, as far as this process can tell, or
   * undefined before it has heard anything. Nothing older than the oldest message in hand (or
   * waiting to be retried) is still to come; while the server reported more to deliver, the next
   * one was stored no earlier than the last delivered.
   */
  through(nowMs: number): number | undefined {
    if (this.#lastPending === undefined) return undefined
    let through = this.#framed
      ? Math.min(nowMs, Math.max(this.#lastStoredAtMs, this.#markedThrough()))
      : this.#lastPending > 0 ? this.#lastStoredAtMs : nowMs
    for (const storedAtMs of this.#inFlight.values()) through = Math.min(through, storedAtMs)
    for (const [seq, retry] of this.#retrying) {
      if (retry.untilMs <= nowMs) this.#retrying.delete(seq)
      else through = Math.min(through, retry.storedAtMs)
    }
    return through
  }
}

// Five deliveries with backoff up to 5 s, each within the lane's ack wait: past this, a failed
// message has been handled here or elsewhere, or dead-lettered.
const RetryHorizonMs = 60_000

/** One progress per lane for this process's supervision consumers: they write it, the absence watch reads it. */
export class SupervisionProgress extends Context.Service<SupervisionProgress, Readonly<Record<Lane, LaneProgress>>>()("wt/SupervisionProgress") {
  static readonly layer = Layer.sync(SupervisionProgress, () => ({
    alarm: new LaneProgress(),
    tech: new LaneProgress({ framed: true }),
    telemetry: new LaneProgress({ framed: true })
  }))
}

/**
 * Asked of the server only until the lane's consumer has delivered something or was seen
 * caught up: on nats-server 2.9 a consumer info recounts a filtered consumer's pending messages
 * subject by subject (55–85 ms on a stream of 300,000 messages from 100,000 devices, measured
 * here), holding up the stream meanwhile. Asked every tick, it did that three times every
 * two seconds.
 */
const processedThroughOne = Effect.fnUntraced(
  function*(lane: Lane, progress: LaneProgress, nowMs: number) {
    const known = progress.through(nowMs)
    if (known !== undefined) return known
    // A followed lane knows only what its reader was told: nothing yet, or its session was lost.
    if (isFollowed(lane)) return 0
    const nats = yield* Nats
    const info = yield* nats.consumerInfo(Streams.device, SupervisionDurables[lane])
    if (info.num_pending === 0 && info.num_ack_pending === 0) {
      progress.caughtUp()
      return nowMs
    }
    // Everything up to the ack floor is handled; the next message was stored no earlier than this one.
    const next = yield* nats.getMessage(Streams.device, { seq: info.ack_floor.stream_seq + 1 })
    return Option.match(next, { onNone: () => 0, onSome: (message) => message.storedAt.getTime() })
  },
  // Unknown means nothing may be judged silent yet.
  Effect.catch(() => Effect.succeed(0))
)

/**
 * The instant up to which every lane's stored events have been handled by supervision.
 * An absence is judged only up to it: after a restart or behind a backlog, a heartbeat
 * still waiting in the stream must not make its device look silent.
 */
export const processedThrough = Effect.fn("Supervision.processedThrough")(function*(nowMs: number) {
  const progress = yield* SupervisionProgress
  const each = yield* Effect.forEach(Lanes, (lane) => processedThroughOne(lane, progress[lane], nowMs), { concurrency: "unbounded" })
  return Math.min(nowMs, ...each)
})

/**
 * Watermarks as measured over the last moments. A handled event's sign of life may
 * wait up to a flush in some copy's buffer and then travel through KV, so the watch
 * judges by the watermark as it stood that long ago: everything handled by then has
 * reached KV by now. Reading it "now" would wrongly trust a backlog just handled.
 */
export class WatermarkHistory {
  readonly #samples: Array<{ readonly atMs: number; readonly throughMs: number }> = []
  /** The last watermark the watch judged by, or when it started: what it has judged nothing since while it has none. */
  #lastJudgedMs: number

  constructor(startedMs: number) {
    this.#lastJudgedMs = startedMs
  }

  record(atMs: number, throughMs: number): void {
    this.#samples.push({ atMs, throughMs })
  }

  /** The latest watermark measured at or before `atMs`; 0 (judge nothing) when there is none yet. */
  asOf(atMs: number): number {
    let through = 0
    let keepFrom = 0
    for (let i = 0; i < this.#samples.length; i++) {
      const sample = this.#samples[i]!
      if (sample.atMs > atMs) break
      through = sample.throughMs
      keepFrom = i
    }
    // Older samples than the one in use will never be needed again.
    this.#samples.splice(0, keepFrom)
    return through
  }

  /**
   * How far behind `nowMs` the watch judges with watermark `throughMs`. With none (0: a lane's
   * reader lost, or not yet told anything) it judges nothing, and is behind by as long as since
   * the last one it had, or since it started (the gauge once read now itself, 1.8 × 10⁹ s).
   */
  behindMs(nowMs: number, throughMs: number): number {
    if (throughMs > 0) this.#lastJudgedMs = throughMs
    return Math.max(0, nowMs - this.#lastJudgedMs)
  }
}
