import { Effect, Layer, Option } from "effect"
import { DeviceEvent, type Lane, Lanes, Streams, Subjects } from "@wt/contracts"
import { consume } from "@wt/nats"
import { Registry } from "@wt/registry"
import { SupervisionDurables } from "./lane-watermark.ts"
import { observeDeviceEvent } from "./observe-device-event.ts"
import { SupervisionSettings } from "./supervision-settings.ts"

// Unknown devices are dead-lettered by triage's classifying consumers; here they are only not supervised.
const observeKnown = Effect.fn("Supervision.observeStored")(function*(event: DeviceEvent) {
  const owner = yield* (yield* Registry).deviceOwner(event.tenant, event.deviceId)
  if (Option.isSome(owner)) yield* observeDeviceEvent(event, owner.value)
})

const laneObserver = (lane: Lane, concurrency: number) =>
  consume({
    stream: Streams.device,
    durable: SupervisionDurables[lane],
    filterSubject: Subjects.deviceLaneFilter(lane),
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
    for (const lane of Lanes) yield* Effect.forkScoped(laneObserver(lane, concurrency[lane]))
  })
)
