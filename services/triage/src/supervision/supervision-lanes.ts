import { Effect, Exit, Layer, Option } from "effect"
import { type DeviceEvent, Lanes } from "@wt/contracts"
import { ensureConsumer, type MessageMeta } from "@wt/nats"
import { Registry } from "@wt/registry"
import { consumeLane, LaneAckWaitMs, laneConsumer } from "../device-lane.ts"
import { SupervisionDurables, SupervisionProgress } from "./lane-watermark.ts"
import { observeDeviceEvent } from "./observe-device-event.ts"
import { SupervisedFleet } from "./supervised-fleet.ts"
import { residentContextOf } from "./supervision-policy.ts"
import { SupervisionSettings } from "./supervision-settings.ts"

/**
 * The fleet snapshot answers for registered devices without a database round trip per
 * event; a device registered since the last snapshot is looked up. Unknown devices are
 * dead-lettered by triage's classifying consumers; here they are only not supervised.
 *
 * Untraced on purpose: it runs per message, and Effect.fn's span and call-site Error
 * (a captured stack per call) cost more than the work itself.
 */
const observeKnown = Effect.fnUntraced(function*(event: DeviceEvent) {
  const known = (yield* SupervisedFleet).device(event.tenant, event.deviceId)
  if (known !== undefined) return yield* observeDeviceEvent(event, known)
  const owner = yield* (yield* Registry).deviceOwner(event.tenant, event.deviceId)
  if (Option.isSome(owner)) yield* observeDeviceEvent(event, { ...owner.value, resident: residentContextOf(owner.value) })
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
    for (const lane of Lanes) {
      const lanesProgress = progress[lane]
      // What this process holds and has finished tells the absence watch how far each lane is handled.
      const handler = (event: DeviceEvent, meta: MessageMeta) =>
        Effect.suspend(() => {
          lanesProgress.started(meta.streamSeq, meta.storedAtMs, meta.pending)
          return observeKnown(event)
        }).pipe(Effect.onExit((exit) => Effect.sync(() => lanesProgress.finished(meta.streamSeq, Exit.isSuccess(exit), Date.now()))))
      // Created before the layer is up, so no event stored after start is missed by "deliver new".
      yield* ensureConsumer({ ...laneConsumer(lane, SupervisionDurables[lane], concurrency[lane]), ackWaitMs: LaneAckWaitMs, deliverPolicy: "new" })
      yield* Effect.forkScoped(
        // Supervision starts when first deployed; replaying years of history would raise old absences.
        consumeLane(lane, { durable: SupervisionDurables[lane], concurrency: concurrency[lane], deliverPolicy: "new", handler })
      )
    }
  })
)
