import { Effect, Layer, Option } from "effect"
import { DeviceEvent, type Lane, Lanes, Streams, Subjects } from "@wt/contracts"
import { consume, ensureConsumer } from "@wt/nats"
import { Registry } from "@wt/registry"
import { SupervisionDurables } from "./lane-watermark.ts"
import { observeDeviceEvent } from "./observe-device-event.ts"
import { SupervisedFleet } from "./supervised-fleet.ts"
import { residentContextOf } from "./supervision-policy.ts"
import { SupervisionSettings } from "./supervision-settings.ts"

/**
 * The fleet snapshot answers for registered devices without a database round trip per
 * event; a device registered since the last snapshot is looked up. Unknown devices are
 * dead-lettered by triage's classifying consumers; here they are only not supervised.
 */
const observeKnown = Effect.fn("Supervision.observeStored")(function*(event: DeviceEvent) {
  const known = (yield* SupervisedFleet).device(event.tenant, event.deviceId)
  if (known !== undefined) return yield* observeDeviceEvent(event, known)
  const owner = yield* (yield* Registry).deviceOwner(event.tenant, event.deviceId)
  if (Option.isSome(owner)) yield* observeDeviceEvent(event, { ...owner.value, resident: residentContextOf(owner.value) })
})

// A message held by a copy that died is redelivered after this long; until then the watermark
// holds every absence back, so keep it short (handlers only buffer in memory).
const AckWaitMs = 5_000

const consumerOf = (lane: Lane, concurrency: number) => ({
  stream: Streams.device,
  durable: SupervisionDurables[lane],
  filterSubject: Subjects.deviceLaneFilter(lane),
  // As `consume` sizes it, so that its own setup finds nothing to change.
  maxAckPending: Math.max(128, concurrency * 32)
})

const laneObserver = (lane: Lane, concurrency: number) =>
  consume({
    ...consumerOf(lane, concurrency),
    ackWait: AckWaitMs,
    schema: DeviceEvent,
    source: "triage",
    concurrency,
    // Supervision starts when first deployed; replaying years of history would raise old absences.
    deliverPolicy: "new",
    handler: observeKnown
  })

/**
 * Every event on every lane is a sign of life, so supervision reads all three lanes
 * through durables of its own, each with its own concurrency: the classifying
 * consumers, and so an alarm's latency, never wait on it.
 */
export const SupervisionLanes = Layer.effectDiscard(
  Effect.gen(function*() {
    const { concurrency } = yield* SupervisionSettings
    for (const lane of Lanes) {
      // Created before the layer is up, so no event stored after start is missed by "deliver new".
      yield* ensureConsumer({ ...consumerOf(lane, concurrency[lane]), ackWaitMs: AckWaitMs, deliverPolicy: "new" })
      yield* Effect.forkScoped(laneObserver(lane, concurrency[lane]))
    }
  })
)
