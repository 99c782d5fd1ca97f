import { Clock, Effect, Schedule, Stream } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { EventSink } from "./event-sink.ts"
import type { Delivery } from "./event-sink.ts"
import type { FleetEvents } from "./fleet-events.ts"
import { makePacer } from "./pacing.ts"

export interface SimulationSummary {
  readonly sent: number
  readonly accepted: number
  readonly rejected: number
  readonly duplicates: number
  /** Events the sink could not put on its wire (see `Delivery.skipped`). */
  readonly skipped: number
  readonly byType: Readonly<Record<string, number>>
  readonly elapsedS: number
  readonly eps: number
  /** Rejection reasons with how often each was given (the most frequent first, at most 20). */
  readonly rejectedReasons: Readonly<Record<string, number>>
  /** Why events were skipped, with how often (the most frequent first, at most 20). */
  readonly skippedReasons: Readonly<Record<string, number>>
}

/** Running totals of a simulation; read at any time for a progress line or a final summary. */
export interface Tally {
  readonly record: (events: ReadonlyArray<DeviceEvent>, delivery: Delivery) => void
  readonly summary: (nowMs: number) => SimulationSummary
}

const MaxDistinctReasons = 20

const countReason = (reasons: Map<string, number>, raw: string) => {
  const reason = raw.slice(0, 200)
  // Bounded, because a receiver may put an index or id into every reason.
  if (reasons.has(reason) || reasons.size < MaxDistinctReasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
}

const byFrequency = (reasons: Map<string, number>) => Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1]))

export const makeTally = (startMs: number): Tally => {
  let sent = 0, accepted = 0, rejected = 0, duplicates = 0, skipped = 0
  const byType: Record<string, number> = {}
  const reasons = new Map<string, number>()
  const skippedReasons = new Map<string, number>()
  return {
    record: (events, delivery) => {
      sent += events.length
      accepted += delivery.accepted
      rejected += delivery.rejected
      duplicates += delivery.duplicates
      skipped += delivery.skipped?.length ?? 0
      for (const event of events) byType[event.type] = (byType[event.type] ?? 0) + 1
      for (const raw of delivery.reasons) countReason(reasons, raw)
      for (const raw of delivery.skipped ?? []) countReason(skippedReasons, raw)
    },
    summary: (nowMs) => {
      const elapsedS = Math.max(0, nowMs - startMs) / 1000
      return {
        sent,
        accepted,
        rejected,
        duplicates,
        skipped,
        byType: { ...byType },
        elapsedS: Math.round(elapsedS * 1000) / 1000,
        eps: elapsedS > 0 ? Math.round(sent / elapsedS) : 0,
        rejectedReasons: byFrequency(reasons),
        skippedReasons: byFrequency(skippedReasons)
      }
    }
  }
}

export interface SimulationOptions {
  readonly source: FleetEvents
  /** Events per second; 0 sends as fast as the sink takes them. */
  readonly rate: number
  readonly count?: number | undefined
  readonly durationS?: number | undefined
  /** Largest number of events handed to the sink at once. */
  readonly batch: number
  /** Batches in flight at once. */
  readonly concurrency: number
  readonly tally: Tally
  readonly startMs: number
  readonly onProgress?: ((summary: SimulationSummary) => Effect.Effect<void>) | undefined
}

/**
 * Draws events from the source, paced by a token bucket, and hands them to the sink in
 * batches, several batches in flight. Stops after `count` events or `durationS` seconds,
 * or runs until interrupted; either way the tally holds what was delivered.
 */
export const runSimulation = Effect.fn("Simulation.run")(function*(options: SimulationOptions) {
  const sink = yield* EventSink
  const { rate, source, tally } = options
  const paced = rate > 0 && Number.isFinite(rate)
  // About 50 ms of traffic per batch when paced, so a slow rate is not sent in lumps.
  const chunkSize = paced ? Math.max(1, Math.min(options.batch, Math.floor(rate / 20))) : options.batch
  const spacingMs = paced ? 1000 / rate : 0
  const pacer = makePacer(rate, chunkSize)
  let generated = 0

  const nextBatch = Effect.gen(function*() {
    const remaining = options.count === undefined ? chunkSize : options.count - generated
    if (remaining <= 0) return undefined
    if (options.durationS !== undefined && (yield* Clock.currentTimeMillis) - options.startMs >= options.durationS * 1000) {
      return undefined
    }
    const n = Math.min(chunkSize, remaining)
    yield* pacer.take(n)
    const now = yield* Clock.currentTimeMillis
    // The batch stands for the last n/rate seconds of traffic: spread its events over them.
    const events = Array.from({ length: n }, (_, i) => source.next(now - Math.round((n - 1 - i) * spacingMs)))
    generated += n
    return [events, undefined] as const
  })

  if (options.onProgress !== undefined) {
    const report = options.onProgress
    yield* Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) => report(tally.summary(now))),
      Effect.delay("1 second"),
      Effect.repeat(Schedule.forever),
      Effect.forkChild
    )
  }

  yield* Stream.unfold(undefined, () => nextBatch).pipe(
    Stream.mapEffect(
      (events) => sink.deliver(events).pipe(Effect.tap((delivery) => Effect.sync(() => tally.record(events, delivery)))),
      { concurrency: options.concurrency }
    ),
    Stream.runDrain
  )
  return tally.summary(yield* Clock.currentTimeMillis)
})
