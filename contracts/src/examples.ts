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
