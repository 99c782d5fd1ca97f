import { Arbitrary } from "effect"
import { DeviceEvent } from "./device-event.ts"
import type { Priority, TriageDecision } from "./incident.ts"

/** A pendant alarm as the gateway stores it; for tests and documentation. */
export const examplePendantAlarm = (id: string, overrides: Partial<DeviceEvent> = {}): DeviceEvent => {
  const at = overrides.occurredAt ?? "2026-11-25T03:00:00.000Z"
  return {
    id,
    tenant: "demo",
    deviceId: "alarm-000001",
    occurredAt: at,
    receivedAt: at,
    source: { via: "sim" },
    type: "safety_alarm",
    payload: { trigger: "pendant" },
    ...overrides
  } as DeviceEvent
}

/** A care-alarm decision at the given priority; for tests. */
export const exampleDecision = (priority: Priority = "P1"): TriageDecision => ({
  ruleId: "care.alarm",
  ruleSetVersion: "test",
  priority,
  category: "care",
  reason: "pendant pressed",
  fireService: false
})

const finiteNumbers = (value: unknown): boolean =>
  typeof value === "number" ? Number.isFinite(value)
  : typeof value === "object" && value !== null ? Object.values(value).every(finiteNumbers)
  : true

/**
 * Any device event that can arrive as JSON. The schema's numbers admit NaN and ±Infinity, which
 * JSON cannot carry (they would be sent as null and rejected), so the schema's own arbitrary
 * sometimes made events no sender could send.
 */
export const arbitraryDeviceEvent = (): Arbitrary.Arbitrary<DeviceEvent> =>
  Arbitrary.schema(DeviceEvent).pipe(Arbitrary.filter(finiteNumbers))

/**
 * An event as JSON, and changed in the ways a decoder of the device contract must refuse or read
 * alike: unknown and misspelt properties at each level, missing and mistyped fields, too many or too
 * long payload fields, not an object at all. For tests that hold two decoders to one another.
 */
export const eventVariants = (event: Record<string, unknown>): ReadonlyArray<unknown> => {
  const source = event["source"] as Record<string, unknown>
  const payload = event["payload"] as Record<string, unknown>
  const { deviceId: _deviceId, ...withoutDevice } = event
  const { receivedAt: _receivedAt, ...sent } = event
  return [
    event,
    sent,
    withoutDevice,
    { ...event, unknown: 1 },
    { ...event, occuredAt: event["occurredAt"] },
    { ...event, source: { ...source, vendr: "x" } },
    { ...event, source: { ...source, via: "engine" } },
    { ...event, source: { ...source, via: "fax" } },
    { ...event, source: "http" },
    { ...event, payload: { ...payload, zone: 3, siaCode: "MA" } },
    { ...event, payload: { ...payload, nested: { a: 1 } } },
    { ...event, payload: { ...payload, note: "x".repeat(129) } },
    { ...event, payload: { ...payload, ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}`, i])) } },
    { ...event, payload: {} },
    { ...event, payload: null },
    { ...event, type: "no-such-type" },
    { ...event, id: 42 },
    { ...event, occurredAt: "yesterday" },
    { ...event, tenant: "" },
    { ...event, receivedAt: "2020-01-01T00:00:00.000Z" },
    [event],
    null,
    "event"
  ]
}
