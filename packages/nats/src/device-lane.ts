import type { Effect } from "effect"
import { DeviceEvent, type Lane, Streams, Subjects } from "@wt/contracts"
import { consume, type HandleNow, type MessageMeta } from "./consume.ts"

// A message held by a copy that died is redelivered after this long: keep it short
// (supervision's watermark holds every absence back until then).
export const LaneAckWaitMs = 5_000

/** The durable consumer of one device lane, as `consume` sizes it, so that its own setup finds nothing to change. */
export const laneConsumer = (lane: Lane, durable: string, concurrency: number) => ({
  stream: Streams.device,
  durable,
  filterSubject: Subjects.deviceLaneFilter(lane),
  maxAckPending: Math.max(128, concurrency * 32)
})

/**
 * Reads one device lane through a durable of its own, `concurrency` messages at once: triage's
 * classifying consumers and supervision's. An event that cannot be read is dead-lettered as
 * triage's (`wt.dlq.triage`), whichever of them reads it: the lanes are triage's input.
 */
export const consumeLane = <E, R>(lane: Lane, options: {
  readonly durable: string
  readonly concurrency: number
  readonly deliverPolicy?: "all" | "new"
  readonly handler: (event: DeviceEvent, meta: MessageMeta) => Effect.Effect<void, E, R>
  readonly handleNow?: HandleNow<DeviceEvent, E>
}) =>
  consume({
    ...laneConsumer(lane, options.durable, options.concurrency),
    ackWait: LaneAckWaitMs,
    schema: DeviceEvent,
    source: "triage",
    concurrency: options.concurrency,
    ...(options.deliverPolicy !== undefined ? { deliverPolicy: options.deliverPolicy } : {}),
    handler: options.handler,
    ...(options.handleNow !== undefined ? { handleNow: options.handleNow } : {})
  })
