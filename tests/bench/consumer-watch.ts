import { Effect, Schedule } from "effect"
import { Streams } from "@wt/contracts"
import { DeviceFramesStream, Nats } from "@wt/nats"
import { BenchRequestRetry, type DeviceProgress } from "./consumer-progress.ts"
import { round1 } from "./figures.ts"

/** Where one durable consumer stands: what it has not yet been given, and what it holds unacknowledged. */
export interface ConsumerState {
  readonly stream: string
  readonly name: string
  readonly pending: number
  readonly ackPending: number
  /** Stream sequence below which everything is acknowledged. */
  readonly ackFloor: number
}

/** The streams whose consumers make up the pipeline: device events in (and their frames), incidents out (audit, projector, console feed). */
export const PipelineStreams = [Streams.device, DeviceFramesStream.name, Streams.incident] as const

/** Every durable consumer on the pipeline's streams, whoever created it (triage lanes, supervision, audit, projector). */
export const consumerStates = Effect.gen(function*() {
  const nats = yield* Nats
  // A loaded server may not answer a listing in time (consumer info counts pending messages
  // per subject on nats-server 2.9): ask again rather than end the run.
  return yield* Effect.gen(function*() {
    const out: Array<ConsumerState> = []
    for (const stream of PipelineStreams) {
      for (const info of yield* nats.listConsumers(stream)) {
        // Ephemeral readers (the console's live feed) have no durable name and ack nothing.
        if (info.config.durable_name === undefined) continue
        out.push({
          stream,
          name: info.name,
          pending: info.num_pending,
          ackPending: info.num_ack_pending,
          ackFloor: info.ack_floor.stream_seq
        })
      }
    }
    return out
  }).pipe(Effect.retry({ schedule: Schedule.spaced("1 second"), times: 30 }), Effect.orDie)
})

export const streamState = Effect.fn("Bench.streamState")(function*(stream: string) {
  const nats = yield* Nats
  const info = yield* nats.streamInfo(stream).pipe(Effect.retry(BenchRequestRetry), Effect.orDie)
  return { messages: info.state.messages, bytes: info.state.bytes, lastSeq: info.state.last_seq }
})

const isIdle = (states: ReadonlyArray<ConsumerState>) => states.every((c) => c.pending === 0 && c.ackPending === 0)

/** One point of the progress chart: what the furthest-behind device consumer still has to settle. */
export interface DrainSample {
  readonly t: number
  readonly backlog: number
  /** How far behind now the absence watch judged (seconds), when it has looked. */
  readonly judgedBehindS?: number | undefined
  /** Each scraped service's V8 heap in use, MB, by its URL. */
  readonly heapUsedMb?: ReadonlyMap<string, number> | undefined
}

/** A sample of the consumers' progress `t` seconds into a phase. */
export const drainSampleOf = (t: number, progress: DeviceProgress): DrainSample => ({
  t,
  backlog: progress.backlog,
  judgedBehindS: progress.judgedBehindS,
  heapUsedMb: progress.heapUsedMb
})

/**
 * Waits until every durable consumer has nothing pending and nothing unacknowledged,
 * twice in a row (a triage decision adds incident records after its device event is acked).
 * Progress comes cheaply from the services' metrics; the consumers are listed only once it
 * says the device consumers are through: on nats-server 2.9 a consumer info recounts a filtered
 * consumer's pending messages subject by subject (50–300 ms each with 100,000 devices), holding
 * up the stream meanwhile. Returns when the drain was first seen, or undefined at the deadline.
 */
export const waitDrained = Effect.fn("Bench.waitDrained")(function*(options: {
  readonly startMs: number
  readonly timeoutMs: number
  readonly intervalMs?: number
  readonly progress: Effect.Effect<DeviceProgress>
  readonly onSample?: (sample: DrainSample) => void
  /**
   * Called once `progress` first says the device consumers are through. Care-alarm probes
   * sent during the phase should stop then: every probe holds the alarm lane busy for a
   * moment, and thousands of unclaimed P1 incidents keep escalation busy, so probes sent
   * until the consumers are seen idle could keep them from ever being seen idle.
   */
  readonly onProgressDone?: () => void
}) {
  const deadline = Date.now() + options.timeoutMs
  const intervalMs = options.intervalMs ?? 200
  let idleSince: number | undefined
  let states: ReadonlyArray<ConsumerState> = []
  // When each consumer was last seen with work: the slowest one is where the pipeline's time goes.
  const lastBusy: Record<string, number> = {}
  const busyAt = (name: string, now: number) => { lastBusy[name] = round1((now - options.startMs) / 1000) }
  while (true) {
    const now = Date.now()
    const t = (now - options.startMs) / 1000
    const progress = yield* options.progress
    if (progress.done) options.onProgressDone?.()
    for (const name of progress.busy) busyAt(name, now)
    options.onSample?.(drainSampleOf(t, progress))
    if (progress.done || idleSince !== undefined) {
      states = yield* consumerStates
      for (const c of states) if (c.pending + c.ackPending > 0 || lastBusy[c.name] === undefined) busyAt(c.name, now)
      if (isIdle(states)) {
        if (idleSince !== undefined) return { drainedAtMs: idleSince, states, lastBusyS: lastBusy }
        idleSince = now
      } else {
        idleSince = undefined
      }
    }
    if (now > deadline) return { drainedAtMs: idleSince, states, lastBusyS: lastBusy }
    yield* Effect.sleep(intervalMs)
  }
})
