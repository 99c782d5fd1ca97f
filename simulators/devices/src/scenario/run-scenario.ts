import { Clock, Effect } from "effect"
import { EventSink } from "../event-sink.ts"
import type { SimFleet } from "../fleet.ts"
import { makeFleetModel } from "../model/fleet-model.ts"
import { makeDisturbances } from "./disturbances.ts"
import type { DisturbanceStats, ScenarioEvent } from "./disturbances.ts"
import type { Scenario } from "./scenario.ts"
import { makeScenarioTally } from "./scenario-tally.ts"
import type { ScenarioCounts } from "./scenario-tally.ts"

export interface ScenarioRunOptions {
  readonly scenario: Scenario
  readonly fleet: SimFleet
  readonly seed: number
  /** Simulated seconds per real second; 0: as fast as the receiver takes it. */
  readonly speed: number
  readonly simStartMs: number
  readonly durationS: number
  readonly utcOffsetMin: number
  /** Largest number of events per request or publish window. */
  readonly batch: number
  readonly concurrency: number
  readonly heartbeatIntervalS?: number | undefined
  readonly idSalt?: number | undefined
  readonly onProgress?: ((progress: ScenarioProgress) => Effect.Effect<void>) | undefined
}

export interface ScenarioProgress {
  /** 0 … 1 of the simulated period. */
  readonly done: number
  readonly simNowMs: number
  readonly elapsedS: number
  readonly counts: ScenarioCounts
  readonly disturbances: DisturbanceStats
}

export interface ScenarioSummary {
  readonly scenario: string
  readonly seed: number
  readonly speed: number
  readonly residents: number
  readonly devices: number
  readonly simulated: { readonly from: string; readonly to: string; readonly seconds: number }
  readonly elapsedS: number
  readonly eps: number
  readonly disturbances: DisturbanceStats & { readonly stillHeld: number }
  readonly counts: ScenarioCounts
}

const TickMs = 100
// Unpaced runs step the simulated clock by this much at a time.
const UnpacedStepMs = 10_000

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Plays a scenario: the fleet model's events plus the scenario's disturbances, in simulated
 * time mapped onto real time by `speed`, delivered in batches with several in flight.
 * What could not be sent in one tick is sent in the next, so a slow receiver slows the
 * run down rather than losing events.
 */
export const runScenario = Effect.fn("Scenario.run")(function*(options: ScenarioRunOptions) {
  const sink = yield* EventSink
  const { scenario } = options
  const model = makeFleetModel(options.fleet, {
    seed: options.seed,
    startMs: options.simStartMs,
    utcOffsetMin: options.utcOffsetMin,
    ...scenario.model,
    ...(options.heartbeatIntervalS !== undefined ? { heartbeatIntervalS: options.heartbeatIntervalS } : {}),
    ...(options.idSalt !== undefined ? { idSalt: options.idSalt } : {})
  })
  const disturbances = makeDisturbances({
    fleet: options.fleet,
    disturbances: scenario.disturbances,
    simStartMs: options.simStartMs,
    seed: options.seed,
    ...(options.idSalt !== undefined ? { idSalt: options.idSalt } : {})
  })
  const tally = makeScenarioTally(model.classOf)
  const endMs = options.simStartMs + options.durationS * 1000
  const realStart = yield* Clock.currentTimeMillis
  let simNow = options.simStartMs
  let lastProgress = -Infinity
  let lastTick = realStart

  const send = (events: ReadonlyArray<ScenarioEvent>) =>
    Effect.forEach(
      chunks(events, options.batch),
      (batch) => sink.deliver(batch.map((e) => e.event)).pipe(Effect.tap((delivery) => Effect.sync(() => tally.record(batch, delivery)))),
      { concurrency: options.concurrency, discard: true }
    )

  const progress = (realNow: number) =>
    options.onProgress === undefined ? Effect.void : options.onProgress({
      done: (simNow - options.simStartMs) / (endMs - options.simStartMs),
      simNowMs: simNow,
      elapsedS: (realNow - realStart) / 1000,
      counts: tally.counts(),
      disturbances: disturbances.stats()
    })

  while (simNow < endMs) {
    let realNow = yield* Clock.currentTimeMillis
    if (options.speed > 0) {
      // One tick's events at a time; a tick that overran its slot is followed at once.
      const wait = lastTick + TickMs - realNow
      if (wait > 0) {
        yield* Effect.sleep(wait)
        realNow = yield* Clock.currentTimeMillis
      }
      lastTick = realNow
      simNow = Math.min(endMs, Math.max(simNow, options.simStartMs + (realNow - realStart) * options.speed))
    } else {
      simNow = Math.min(endMs, simNow + UnpacedStepMs)
    }
    const events = disturbances.apply(model.takeUntil(simNow), simNow)
    if (events.length > 0) yield* send(events)
    if (realNow - lastProgress >= 500) {
      lastProgress = realNow
      yield* progress(realNow)
    }
  }
  const realEnd = yield* Clock.currentTimeMillis
  yield* progress(realEnd)
  const elapsedS = (realEnd - realStart) / 1000
  const counts = tally.counts()
  return {
    scenario: scenario.name,
    seed: options.seed,
    speed: options.speed,
    residents: options.fleet.residents.length,
    devices: model.deviceCount,
    simulated: { from: new Date(options.simStartMs).toISOString(), to: new Date(endMs).toISOString(), seconds: options.durationS },
    elapsedS: Math.round(elapsedS * 10) / 10,
    eps: elapsedS > 0 ? Math.round(counts.sent / elapsedS) : 0,
    disturbances: { ...disturbances.stats(), stillHeld: disturbances.held() },
    counts
  } satisfies ScenarioSummary
})
