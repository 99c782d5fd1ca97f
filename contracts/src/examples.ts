import type { DeviceEvent } from "./device-event.ts"
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
