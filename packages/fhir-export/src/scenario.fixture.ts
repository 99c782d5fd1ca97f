import type { Actor, AuditEntry, DeviceEvent, IncidentEvent, TriageDecision } from "@wt/contracts"

const tenant = "demo"
const triage: Actor = { kind: "service", id: "triage" }
const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari Nordmann" }
const ola: Actor = { kind: "supervisor", id: "u-ola", name: "Ola Hansen" }
const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 2, minute, 0)).toISOString()

const device = (n: number, minute: number, rest: Pick<DeviceEvent, "type" | "payload"> & { deviceId: string }): DeviceEvent => ({
  id: `018f3a2b-7c4d-7e8f-9a0b-${String(n).padStart(12, "0")}`,
  tenant,
  occurredAt: at(minute),
  receivedAt: at(minute),
  source: { via: "sim" },
  ...rest
}) as DeviceEvent

const decision = (priority: TriageDecision["priority"], category: TriageDecision["category"], ruleId: string, reason: string): TriageDecision => ({
  ruleId,
  ruleSetVersion: "2026-11",
  priority,
  category,
  reason,
  fireService: category === "fire"
})

const door = device(1, 0, { deviceId: "door-000001", type: "sensor", payload: { sensor: "door", state: "opened", placement: "front door" } })
const fall = device(2, 1, { deviceId: "alarm-000001", type: "safety_alarm", payload: { trigger: "fall_detector" } })
const smoke = device(3, 5, { deviceId: "smoke-000002", type: "sensor", payload: { sensor: "smoke", state: "triggered" } })
const lost = device(4, 6, { deviceId: "alarm-000003", type: "technical", payload: { event: "sensor_supervision_lost" } })
const dose = device(5, 7, { deviceId: "pill-000004", type: "medication", payload: { event: "dose_missed", critical: true } })

/** Every incident event type, over four incidents of three residents. */
export const scenarioEvents: ReadonlyArray<{ readonly event: IncidentEvent; readonly residentId: string }> = [
  { residentId: "res-0001", event: { type: "incident_opened", incidentId: "inc-a", tenant, at: at(0), residentId: "res-0001", priority: "P2", category: "wellbeing", decision: decision("P2", "wellbeing", "door.night", "door opened at night"), deviceEvent: door } },
  { residentId: "res-0001", event: { type: "device_event_correlated", incidentId: "inc-a", tenant, at: at(1), decision: decision("P1", "care", "care.fall", "fall detected"), deviceEvent: fall } },
  { residentId: "res-0001", event: { type: "priority_raised", incidentId: "inc-a", tenant, at: at(1), from: "P2", to: "P1", reason: "a P1 alarm joined" } },
  { residentId: "res-0001", event: { type: "incident_marked_repeated", incidentId: "inc-a", tenant, at: at(1), alarmsInWindow: 3, windowHours: 6, atLeast: "P2", ruleId: "care.repeated", ruleSetVersion: "2026-11" } },
  { residentId: "res-0001", event: { type: "incident_escalated", incidentId: "inc-a", tenant, at: at(2), level: 1, reason: "P1 unclaimed for 30 s", unclaimedForMs: 30_000 } },
  { residentId: "res-0001", event: { type: "incident_claimed", incidentId: "inc-a", tenant, at: at(2), by: kari } },
  { residentId: "res-0001", event: { type: "contact_recorded", incidentId: "inc-a", tenant, at: at(3), by: kari, party: "resident" } },
  { residentId: "res-0001", event: { type: "note_added", incidentId: "inc-a", tenant, at: at(4), by: kari, handlingCode: 10, text: "Home care <team 2> & the keyholder informed" } },
  { residentId: "res-0001", event: { type: "incident_resolved", incidentId: "inc-a", tenant, at: at(20), by: kari, cause: "fell in the hallway", action: "home care helped her up", note: "no injury" } },
  { residentId: "res-0001", event: { type: "incident_closed", incidentId: "inc-a", tenant, at: at(25), by: ola, confirms: kari } },
  { residentId: "res-0002", event: { type: "incident_opened", incidentId: "inc-b", tenant, at: at(5), residentId: "res-0002", priority: "P1", category: "fire", decision: decision("P1", "fire", "fire.smoke", "smoke detector"), deviceEvent: smoke } },
  { residentId: "res-0002", event: { type: "incident_cancelled", incidentId: "inc-b", tenant, at: at(9), by: kari, reason: "burnt toast, confirmed by phone" } },
  { residentId: "res-0003", event: { type: "incident_opened", incidentId: "inc-c", tenant, at: at(6), residentId: "res-0003", priority: "P4", category: "technical", decision: decision("P4", "technical", "tech.supervision", "safety alarm silent"), deviceEvent: lost } },
  { residentId: "res-0003", event: { type: "storm_updated", incidentId: "inc-c", tenant, at: at(7), lost: ["alarm-000005", "alarm-000006"], restored: ["alarm-000003"] } },
  { residentId: "res-0003", event: { type: "incident_merged", incidentId: "inc-c", tenant, at: at(8), by: ola, into: "inc-storm-1" } },
  { residentId: "res-0003", event: { type: "incident_opened", incidentId: "inc-d", tenant, at: at(7), residentId: "res-0003", priority: "P2", category: "medication", decision: decision("P2", "medication", "med.critical", "critical dose missed"), deviceEvent: dose } }
]

const actorOf = (event: IncidentEvent): Actor => ("by" in event ? event.by : triage)

/** The audit trail of the scenario, in the shapes the audit service and the console write: every kind of entry. */
export const scenarioEntries = (): ReadonlyArray<AuditEntry> => {
  const entries: Array<AuditEntry> = []
  let n = 0
  for (const { event, residentId } of scenarioEvents) {
    n++
    if (event.type === "incident_opened" || event.type === "device_event_correlated") {
      entries.push({
        id: `dev-${n}`,
        tenant,
        kind: "device_event",
        at: event.deviceEvent.receivedAt ?? event.deviceEvent.occurredAt,
        actor: { kind: "system", id: event.deviceEvent.deviceId },
        subject: { deviceId: event.deviceEvent.deviceId, eventId: event.deviceEvent.id },
        origin: { stream: "WT_DEVICE", seq: n },
        summary: `accepted ${event.deviceEvent.type} from ${event.deviceEvent.deviceId}`,
        data: event.deviceEvent
      })
      entries.push({
        id: `dec-${n}`,
        tenant,
        kind: "triage_decision",
        at: event.at,
        actor: triage,
        subject: { incidentId: event.incidentId, residentId, deviceId: event.deviceEvent.deviceId, eventId: event.deviceEvent.id },
        origin: { stream: "WT_INCIDENT", seq: n },
        summary: `${event.decision.priority} by ${event.decision.ruleId}`,
        data: event.decision
      })
    }
    entries.push({
      id: `inc-${n}`,
      tenant,
      kind: "incident_event",
      at: event.at,
      actor: actorOf(event),
      subject: { incidentId: event.incidentId, residentId },
      origin: { stream: "WT_INCIDENT", seq: n },
      summary: event.type,
      data: event
    })
    if (event.type === "incident_claimed") {
      entries.push({
        id: `view-${n}`,
        tenant,
        kind: "record_view",
        at: event.at,
        actor: event.by,
        subject: { incidentId: event.incidentId, residentId },
        summary: "resident card opened from the incident"
      })
    }
  }
  entries.push({ id: "op-1", tenant, kind: "operator_action", at: at(26), actor: kari, subject: { incidentId: "inc-a", residentId: "res-0001" }, summary: "claim" })
  entries.push({ id: "cfg-1", tenant, kind: "config_change", at: at(27), actor: { kind: "admin", id: "u-admin" }, subject: {}, summary: "rule set 2026-11 activated", data: { ruleSetVersion: "2026-11" } })
  entries.push({ id: "export-1", tenant, kind: "export", at: at(28), actor: { kind: "admin", id: "u-admin" }, subject: {}, summary: "audit trail exported" })
  return entries
}
