import { Clock, Effect, Exit, Layer, Option } from "effect"
import { type DeviceEvent, Lanes } from "@wt/contracts"
import { consumeLane, ensureConsumer, LaneAckWaitMs, laneConsumer, type MessageMeta } from "@wt/nats"
import { Registry } from "@wt/registry"
import { SupervisionDurables, SupervisionProgress } from "./lane-watermark.ts"
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

/**
 * Every event on every lane is a sign of life, so supervision reads all three lanes
 * through durables of its own, each with its own concurrency: the classifying
 * consumers, and so an alarm's latency, never wait on it.
 */
export const SupervisionLanes = Layer.effectDiscard(
  Effect.gen(function*() {
    const { concurrency } = yield* SupervisionSettings
    const progress = yield* SupervisionProgress
    const observeKnown = yield* makeObserveKnown
    for (const lane of Lanes) {
      const lanesProgress = progress[lane]
      // What this process holds and has finished tells the absence watch how far each lane is handled.
      const handler = (event: DeviceEvent, meta: MessageMeta) =>
        Effect.suspend(() => {
          lanesProgress.started(meta.streamSeq, meta.storedAtMs, meta.pending)
          return observeKnown(event)
        }).pipe(Effect.onExit((exit) => Effect.map(Clock.currentTimeMillis, (nowMs) => lanesProgress.finished(meta.streamSeq, Exit.isSuccess(exit), nowMs))))
      // Created before the layer is up, so no event stored after start is missed by "deliver new".
      yield* ensureConsumer({ ...laneConsumer(lane, SupervisionDurables[lane], concurrency[lane]), ackWaitMs: LaneAckWaitMs, deliverPolicy: "new" })
      yield* Effect.forkScoped(
        // Supervision starts when first deployed; replaying years of history would raise old absences.
        consumeLane(lane, { durable: SupervisionDurables[lane], concurrency: concurrency[lane], deliverPolicy: "new", handler })
      )
    }
  })
)
