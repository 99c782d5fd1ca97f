import { Clock, Effect, Result, Schedule } from "effect"
import { type DeviceEvent, DeviceEvent as DeviceEventSchema, deviceEventKey, IncidentRecord, laneOfEvent, Streams, Subjects } from "@wt/contracts"
import { decodeJson, publishEvent, readSubject } from "@wt/nats"
import { IncidentStore } from "./incident-store.ts"

/** Test support against real NATS: device events stored as the gateway stores them, and the incident events they became. */

let counter = 0
/** A device event as the gateway stores it, received now. */
export const deviceEvent = (
  deviceId: string,
  body: Pick<DeviceEvent, "type" | "payload">,
  occurredAt = new Date().toISOString()
): DeviceEvent =>
  ({
    id: `test-${deviceId}-${Date.now()}-${++counter}`,
    tenant: "demo",
    deviceId,
    occurredAt,
    receivedAt: new Date().toISOString(),
    source: { via: "sim" },
    ...body
  }) as DeviceEvent

export const publishDeviceEvent = (event: DeviceEvent) =>
  publishEvent(Subjects.device(event.tenant, laneOfEvent(event), event.type, event.deviceId), DeviceEventSchema, event, { msgId: deviceEventKey(event) })

/** Every incident event that carries a device event whose id starts with `prefix`, across all incidents. */
export const incidentEventsFor = (prefix: string) =>
  readSubject(Streams.incident, Subjects.incidentAll).pipe(
    Effect.map((messages) =>
      messages.flatMap((m) => {
        const record = decodeJson(IncidentRecord, m.data)
        if (Result.isFailure(record)) return []
        const event = record.success.event
        return (event.type === "incident_opened" || event.type === "device_event_correlated") && event.deviceEvent.id.startsWith(prefix)
          ? [{ ...event, state: record.success.state }]
          : []
      })
    )
  )

/** Polls until an incident event for `prefix` exists, or `withinMs` passes; answers when it was first seen. */
export const awaitIncidentEvent = Effect.fn("IncidentStoreTesting.awaitIncidentEvent")(function*(prefix: string, withinMs: number) {
  const deadline = (yield* Clock.currentTimeMillis) + withinMs
  // Every 100 ms until one is found or the deadline has passed.
  const found = yield* incidentEventsFor(prefix).pipe(
    Effect.repeat({
      schedule: Schedule.spaced("100 millis").pipe(Schedule.while(({ now }) => now <= deadline)),
      until: (found) => found.length > 0
    })
  )
  return { found, seenAtMs: found.length > 0 ? yield* Clock.currentTimeMillis : undefined }
})

/** Claims and resolves the incident as an operator at `at`: it has ended, its pointer left in place. */
export const endIncident = Effect.fn("IncidentStoreTesting.endIncident")(function*(tenant: string, incidentId: string, at: string) {
  const store = yield* IncidentStore
  const by = { kind: "operator", id: "kari" } as const
  yield* store.execute(tenant, incidentId, { type: "claim", at, by })
  yield* store.execute(tenant, incidentId, { type: "resolve", at, by })
})
