import { Config, Effect, Layer, Schedule } from "effect"
import { DeviceEvent, type Lane, Lanes } from "@wt/contracts"
import {
  consumeFramedEvents,
  consumeLane,
  ensureConsumer,
  frameConsumer,
  type FramedLane,
  FramedLanes,
  frameReaderStart,
  moveToFrames,
  writeLaneFrames
} from "@wt/nats"
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

// Untraced: the consumers it forks run for the life of the process, and a span here would be the parent of every message's.
const alarmWorker = Effect.fnUntraced(function*() {
  // The alarm lane's events nearly all open or join an incident: each keeps its fiber, in a durable of its own.
  yield* Effect.forkScoped(consumeLane("alarm", { durable: "triage-alarm", concurrency: yield* concurrencyOf.alarm, handler: triageDeviceEvent }))
})

/** Frames of a bulk lane handled at once by each copy (their events `WT_TRIAGE_<LANE>_CONCURRENCY` at once). */
const FramesAtOnce = 2

/**
 * A bulk lane's events come in device frames (docs/device-frames.md): this process writes the
 * lane's frames, as the audit service does (whichever stores a frame first), and reads them back
 * through a durable of its own, handing each event to `triageNow` or, failing that, to
 * `triageDeviceEvent`. It takes over from the lane's durable on WT_DEVICE where that had read to.
 */
const bulkWorker = Effect.fnUntraced(function*(lane: FramedLane) {
  const concurrency = yield* concurrencyOf[lane]
  const durable = `triage-frames-${lane}`
  const triageNow = yield* makeTriageNow
  yield* moveToFrames(`triage-classify-${lane}`, [lane], (next) =>
    Effect.gen(function*() {
      yield* ensureConsumer({ ...frameConsumer(lane, durable, FramesAtOnce), deliverPolicy: yield* frameReaderStart(lane, next) })
    })).pipe(Effect.retry({ schedule: Schedule.spaced("1 second"), times: 30 }))
  yield* Effect.forkScoped(writeLaneFrames(lane))
  yield* Effect.forkScoped(
    consumeFramedEvents({
      lane,
      durable,
      // An event that cannot be read is triage's to dead-letter: the lanes are triage's input.
      source: "triage",
      schema: DeviceEvent,
      concurrency,
      frames: FramesAtOnce,
      handler: triageDeviceEvent,
      handleNow: triageNow
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
    if (lanes.includes("alarm")) yield* alarmWorker()
    for (const lane of FramedLanes) if (lanes.includes(lane)) yield* bulkWorker(lane)
  })
)
