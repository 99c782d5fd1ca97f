import { Config, Effect, Layer } from "effect"
import { type Lane, Lanes } from "@wt/contracts"
import { consumeLane } from "@wt/nats"
import { triageDeviceEvent } from "./triage-event.ts"
import { makeTriageNow } from "./triage-now.ts"

/**
 * Which lanes this process classifies (`WT_TRIAGE_LANES`, default all three; pnpm start gives the
 * alarm lane a process of its own). Names that are not lanes are ignored, so `none` is no lane;
 * an empty value reads as unset, i.e. all three.
 */
export const TriageLanes = Config.String("WT_TRIAGE_LANES").pipe(
  Config.withDefault("alarm,tech,telemetry"),
  Config.map((s) => s.split(",").map((l) => l.trim()).filter((l): l is Lane => (Lanes as ReadonlyArray<string>).includes(l)))
)

/** Messages handled at once per lane and copy; the alarm lane never shares a consumer with the others. */
const concurrencyOf: Record<Lane, Config.Config<number>> = {
  alarm: Config.Int("WT_TRIAGE_ALARM_CONCURRENCY").pipe(Config.withDefault(16)),
  tech: Config.Int("WT_TRIAGE_TECH_CONCURRENCY").pipe(Config.withDefault(32)),
  telemetry: Config.Int("WT_TRIAGE_TELEMETRY_CONCURRENCY").pipe(Config.withDefault(32))
}

// Untraced: the consumer it forks runs for the life of the process, and a span here would be the parent of every message's.
const laneWorker = Effect.fnUntraced(function*(lane: Lane) {
  const concurrency = yield* concurrencyOf[lane]
  // The alarm lane's events nearly all open or join an incident: each keeps its fiber there.
  const handleNow = lane === "alarm" ? undefined : yield* makeTriageNow
  yield* Effect.forkScoped(
    consumeLane(lane, {
      // These classify; supervision reads the lanes apart (its own durable on the alarm lane, followers on the others).
      durable: lane === "alarm" ? "triage-alarm" : `triage-classify-${lane}`,
      concurrency,
      handler: triageDeviceEvent,
      ...(handleNow !== undefined ? { handleNow } : {})
    })
  )
})

/**
 * One durable consumer per lane, each with its own concurrency, so a care alarm's
 * latency does not depend on a backlog of heartbeats or positions. Copies of triage
 * share the consumers; correlation is safe across them.
 */
export const LaneWorkers = Layer.effectDiscard(
  Effect.gen(function*() {
    const lanes = yield* TriageLanes
    yield* Effect.all(lanes.map(laneWorker), { discard: true })
  })
)
