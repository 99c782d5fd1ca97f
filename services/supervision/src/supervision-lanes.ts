import { Cause, Clock, Effect, Exit, Layer, Metric, Option, Schedule, Schema } from "effect"
import { DeviceEvent, Streams } from "@wt/contracts"
import { type ReturnsStored, SupervisionStorms } from "@wt/incident-store"
import {
  consumeLane,
  deviceFramesStreamSpec,
  ensureConsumer,
  ensureStream,
  followDeviceFrames,
  LaneAckWaitMs,
  laneConsumer,
  type MessageMeta,
  NatsConfig,
  retireDurable,
  SignsOfLifeKeepMs,
  writeLaneFrames
} from "@wt/nats"
import { Registry } from "@wt/registry"
import { followedLaneStart, followedSignOf, intervalOrDefault } from "@wt/supervision"
import { type FollowedLane, FollowedLanes, FollowedReaders, SupervisionDurables, SupervisionProgress } from "./lane-watermark.ts"
import { SignsJournal } from "./signs-journal.ts"
import { SignsOfLife } from "./signs-of-life.ts"
import { makeObserver } from "./observe-device-event.ts"
import { SupervisedFleet } from "./supervised-fleet.ts"
import { residentContextOf } from "./supervision-policy.ts"
import { SupervisionSettings } from "./supervision-settings.ts"

/**
 * The fleet snapshot answers for registered devices without a database round trip per
 * event; a device registered since the last snapshot is looked up. Unknown devices are
 * dead-lettered by triage's classifying consumers; here they are only not supervised.
 */
const makeObserveKnown = Effect.gen(function*() {
  const fleet = yield* SupervisedFleet
  const registry = yield* Registry
  const observeDeviceEvent = yield* makeObserver
  return (event: DeviceEvent) => {
    const known = fleet.device(event.tenant, event.deviceId)
    if (known !== undefined) return observeDeviceEvent(event, known)
    return registry.deviceOwner(event.tenant, event.deviceId).pipe(
      Effect.flatMap((owner) =>
        Option.isSome(owner) ? observeDeviceEvent(event, { ...owner.value, resident: residentContextOf(owner.value) }) : Effect.void
      )
    )
  }
})

const skipped = Metric.counter("wt_supervision_followed_unreadable_total", {
  description: "Events on a followed lane that did not decode: skipped here, dead-lettered by triage's classifying consumer",
  incremental: true
})

/** Attempts at an event's observation that fails (a registry lookup, a storm's KV): its position waits meanwhile. */
const observeRetry = { schedule: Schedule.exponential("250 millis"), times: 5 } as const

/** Where this copy takes a followed lane up (followedLaneStart), retiring supervision's old durable of it on the way. */
const startOf = Effect.fnUntraced(function*(lane: FollowedLane) {
  const journal = yield* SignsJournal
  yield* journal.loaded
  const durableNext = yield* retireDurable(Streams.device, SupervisionDurables[lane]).pipe(
    Effect.catch((error) => Effect.logWarning(`supervision: the old ${lane} durable was not retired: ${error.message}`).pipe(Effect.as(undefined)))
  )
  return followedLaneStart({
    journalled: journal.readThrough(lane),
    durableNext,
    lastPageMs: journal.lastPageAtStartMs,
    nowMs: yield* Clock.currentTimeMillis,
    keepMs: SignsOfLifeKeepMs
  })
})

const utf8 = new TextDecoder()
const decodeDeviceEvent = Schema.decodeUnknownOption(DeviceEvent)

/** The stored event's JSON, or undefined when it is not JSON. */
const parsed = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(utf8.decode(bytes))
  } catch {
    return undefined
  }
}

/**
 * Follows one tech or telemetry lane in its device frames (decision 24): each event, in order,
 * observed as it arrives, a frame of a few hundred per message. On these lanes an event is a sign
 * of life and nothing else, so nearly every one (a known device, no storm under way) is handled in
 * the read callback itself: a map update, no fiber, no schema decode of the whole event. One that
 * must wait (a device registered since the fleet's snapshot, a storm's return) is observed as the
 * alarm lane's are, and holds the lane's position until it ends.
 */
const followLane = Effect.fnUntraced(function*(lane: FollowedLane, observeKnown: (event: DeviceEvent) => Effect.Effect<void, unknown>) {
  const progress = (yield* SupervisionProgress)[lane]
  const fleet = yield* SupervisedFleet
  const signs = yield* SignsOfLife
  const storms = yield* SupervisionStorms
  const { policy } = yield* SupervisionSettings
  const context = yield* Effect.context<never>()
  const run = Effect.runForkWith(context)
  const from = yield* startOf(lane)
  if ("seq" in from) progress.startsAt(from.seq)
  yield* Effect.logInfo(`supervision: following the ${lane} lane's frames from ${"seq" in from ? `seq ${from.seq}` : new Date(from.timeMs).toISOString()}`)
  const finish = (seq: number) => (exit: Exit.Exit<unknown, unknown>) => {
    progress.finished(seq, Exit.isSuccess(exit), Date.now())
    if (Exit.isFailure(exit)) run(Effect.logWarning(`supervision: ${lane} seq ${seq} not observed: ${Cause.pretty(exit.cause).split("\n")[0]}`))
  }
  /** Observes what could not be done at once; the position waits for it. */
  const observeLater = (seq: number, observation: Effect.Effect<void, unknown>) => {
    const fiber = run(observation.pipe(Effect.retry(observeRetry)))
    const exit = fiber.pollUnsafe()
    if (exit !== undefined) finish(seq)(exit)
    else fiber.addObserver(finish(seq))
  }
  /** The storm's batch holding these returns is stored (their positions are done) or was not (each is tried again in a fiber). */
  const returnsStored: ReturnsStored = ({ tenant, deviceIds, tickets }, exit) => {
    if (Exit.isFailure(exit)) {
      for (let i = 0; i < tickets.length; i++) observeLater(tickets[i]!, storms.heardFrom(tenant, deviceIds[i]!))
      return
    }
    // Up to a whole fleet's returns at once: one clock reading, and no closure per position as `finish` makes.
    const nowMs = Date.now()
    for (const seq of tickets) progress.finished(seq, true, nowMs)
  }
  return yield* followDeviceFrames({
    reader: FollowedReaders[lane],
    lane,
    from,
    onFramedThrough: (mark) => progress.framedThrough(mark),
    onOpened: (pending) => {
      if (pending === 0) progress.caughtUp()
    },
    onLost: () => progress.lost(),
    onUnreadable: (message) => run(Effect.logWarning(`supervision: a ${lane} frame was skipped: ${message}`)),
    onEvent: (event, pending) => {
      const seq = event.seq
      const value = parsed(event.data)
      const sign = followedSignOf(value)
      if (sign === undefined) {
        progress.handled(seq, event.storedAtMs, pending)
        run(Metric.update(skipped, 1))
        return
      }
      const known = fleet.device(sign.tenant, sign.deviceId)
      if (known === undefined) {
        // Registered since the fleet's snapshot (or not at all): the registry is asked, as on the alarm lane.
        const decoded = decodeDeviceEvent(value)
        progress.started(seq, event.storedAtMs, pending)
        return Option.isSome(decoded) ? observeLater(seq, observeKnown(decoded.value)) : finish(seq)(Exit.void)
      }
      if (sign.signOfLifeMs === undefined) return progress.handled(seq, event.storedAtMs, pending)
      signs.sightedUnsafe(sign.tenant, sign.deviceId, sign.signOfLifeMs, intervalOrDefault(policy, known.heartbeatIntervalS))
      if (storms.quietNow(sign.tenant)) return progress.handled(seq, event.storedAtMs, pending)
      // A storm is under way: the device's return, if it was down, waits for its batch to be stored,
      // with the lane's one callback (a fiber each was thousands of fibers in a storm, a closure each
      // still tens of megabytes); a failed batch is tried again.
      const now = storms.heardFromUnsafe(sign.tenant, sign.deviceId, seq, returnsStored)
      if (now === "done") return progress.handled(seq, event.storedAtMs, pending)
      progress.started(seq, event.storedAtMs, pending)
      if (now === undefined) observeLater(seq, storms.heardFrom(sign.tenant, sign.deviceId))
    }
  })
})

/** A lane's follower that could not start (NATS away, say) starts again. */
const followRetry = Schedule.spaced("2 seconds")

/**
 * Every event on every lane is a sign of life, so supervision reads all three lanes, apart from
 * triage's classifying consumers, so that an alarm's latency never waits on it. The alarm lane
 * (care alarms, sensors, doses: checks that must not be lost) through a durable its copies share,
 * each message acknowledged; the tech and telemetry lanes followed by every copy, unacknowledged,
 * their positions kept in the journal (docs/supervision-journal.md).
 */
export const SupervisionLanes = Layer.effectDiscard(
  Effect.gen(function*() {
    const { concurrency } = yield* SupervisionSettings
    const progress = yield* SupervisionProgress
    const observeKnown = yield* makeObserveKnown
    const alarm = progress.alarm
    // What this process holds and has finished tells the absence watch how far the lane is handled.
    const handler = (event: DeviceEvent, meta: MessageMeta) =>
      Effect.suspend(() => {
        alarm.started(meta.streamSeq, meta.storedAtMs, meta.pending)
        return observeKnown(event)
      }).pipe(Effect.onExit((exit) => Effect.map(Clock.currentTimeMillis, (nowMs) => alarm.finished(meta.streamSeq, Exit.isSuccess(exit), nowMs))))
    // Created before the layer is up, so no event stored after start is missed by "deliver new".
    yield* ensureConsumer({ ...laneConsumer("alarm", SupervisionDurables.alarm, concurrency.alarm), ackWaitMs: LaneAckWaitMs, deliverPolicy: "new" })
    yield* Effect.forkScoped(
      // Supervision starts when first deployed; replaying years of history would raise old absences.
      consumeLane("alarm", { durable: SupervisionDurables.alarm, concurrency: concurrency.alarm, deliverPolicy: "new", handler })
    )
    yield* ensureStream(deviceFramesStreamSpec(yield* NatsConfig))
    for (const lane of FollowedLanes) {
      yield* Effect.forkScoped(
        followLane(lane, observeKnown).pipe(
          Effect.tapError((error) => Effect.logWarning(`supervision: cannot follow the ${lane} lane's frames: ${error.message}`)),
          Effect.retry(followRetry)
        )
      )
      // Every copy writes frames too (one at a time, the others standing by), so that supervision
      // hears heartbeats while triage-bulk and audit are both down.
      yield* Effect.forkScoped(writeLaneFrames(lane))
    }
  })
)
