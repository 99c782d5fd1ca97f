import { Effect, Schedule } from "effect"
import { Streams } from "@wt/contracts"
import { Nats } from "@wt/nats"
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

/** The streams whose consumers make up the pipeline: device events in, incidents out (audit, projector, console feed). */
export const PipelineStreams = [Streams.device, Streams.incident] as const

/** Every durable consumer on the pipeline's streams, whoever created it (triage lanes, supervision, audit, projector). */
export const consumerStates = Effect.gen(function*() {
  const { jsm } = yield* Nats
  // A loaded server may not answer a listing in time (consumer info counts pending messages
  // per subject on nats-server 2.9): ask again rather than end the run.
  return yield* Effect.tryPromise(async () => {
    const out: Array<ConsumerState> = []
    for (const stream of PipelineStreams) {
      for await (const info of jsm.consumers.list(stream)) {
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

export const streamState = (stream: string) =>
  Effect.gen(function*() {
    const { jsm } = yield* Nats
    const info = yield* Effect.promise(() => jsm.streams.info(stream))
    return { messages: info.state.messages, lastSeq: info.state.last_seq }
  })

/** Messages stored per subject matching `filter` (nats-server 2.9 answers this in stream info). */
export const subjectCounts = (stream: string, filter: string) =>
  Effect.gen(function*() {
    const { jsm } = yield* Nats
    const info = yield* Effect.promise(() => jsm.streams.info(stream, { subjects_filter: filter }))
    return Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0)
  })

const isIdle = (states: ReadonlyArray<ConsumerState>) => states.every((c) => c.pending === 0 && c.ackPending === 0)

/** One point of the progress chart: how much of the device stream every device consumer has finished. */
export interface DrainSample {
  readonly t: number
  readonly backlog: number
  /** Messages still pending or unacknowledged, summed over the device-stream consumers. */
  readonly deviceBacklog: number
}

/**
 * Waits until every durable consumer has nothing pending and nothing unacknowledged,
 * twice in a row (a triage decision adds incident records after its device event is acked).
 * Returns when that was first seen, or undefined at the deadline.
 */
export const waitDrained = Effect.fn("Bench.waitDrained")(function*(options: {
  readonly startMs: number
  readonly timeoutMs: number
  readonly intervalMs?: number
  readonly onSample?: (sample: DrainSample, states: ReadonlyArray<ConsumerState>) => void
}) {
  const deadline = Date.now() + options.timeoutMs
  let idleSince: number | undefined
  // When each consumer was last seen with work: the slowest one is where the pipeline's time goes.
  const lastBusy: Record<string, number> = {}
  while (true) {
    const now = Date.now()
    const states = yield* consumerStates
    for (const c of states) {
      if (c.pending + c.ackPending > 0 || lastBusy[c.name] === undefined) lastBusy[c.name] = round1((now - options.startMs) / 1000)
    }
    const device = states.filter((c) => c.stream === Streams.device)
    options.onSample?.({
      t: (now - options.startMs) / 1000,
      backlog: states.reduce((n, c) => n + c.pending + c.ackPending, 0),
      deviceBacklog: device.reduce((n, c) => n + c.pending + c.ackPending, 0)
    }, states)
    if (isIdle(states)) {
      if (idleSince !== undefined) return { drainedAtMs: idleSince, states, lastBusyS: lastBusy }
      idleSince = now
    } else {
      idleSince = undefined
    }
    if (now > deadline) return { drainedAtMs: idleSince, states, lastBusyS: lastBusy }
    yield* Effect.sleep(options.intervalMs ?? 200)
  }
})
