import { type Actor, type AuditEntry, AuditKind, type DeviceEvent, type IncidentEvent, type TriageDecision } from "@wt/contracts"

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

const smokeAtHome = device(6, 30, { deviceId: "smoke-000004", type: "sensor", payload: { sensor: "smoke", state: "triggered" } })
const home = { kind: "home" as const, street: "Storgata 4", postcode: "0155", city: "Oslo", lat: 59.91, lon: 10.75 }
const teamNord = { id: "team-nord", name: "Home care north" }
const teamSor = { id: "team-sor", name: "Home care south" }
const nina = { id: "member-nord-1", name: "Nina", teamId: "team-nord" }
const timeouts = { offerS: 60, startS: 120, arrivalGraceS: 600, visitS: 1800 }

/** Every incident event type, over five incidents of four residents. */
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
  { residentId: "res-0003", event: { type: "incident_opened", incidentId: "inc-d", tenant, at: at(7), residentId: "res-0003", priority: "P2", category: "medication", decision: decision("P2", "medication", "med.critical", "critical dose missed"), deviceEvent: dose } },
  // A call-out: fire service first, a team that rejects, one that does not answer, one that comes; a next-of-kin cascade.
  { residentId: "res-0004", event: { type: "incident_opened", incidentId: "inc-e", tenant, at: at(30), residentId: "res-0004", priority: "P1", category: "fire", decision: decision("P1", "fire", "fire.smoke", "smoke detector"), deviceEvent: smokeAtHome } },
  { residentId: "res-0004", event: { type: "agency_notified", incidentId: "inc-e", tenant, at: at(30), agency: "110", channel: "wt.agency.demo.110", address: home, mobility: "uses a walker", reason: "smoke detector" } },
  { residentId: "res-0004", event: { type: "incident_claimed", incidentId: "inc-e", tenant, at: at(31), by: kari } },
  { residentId: "res-0004", event: { type: "handover_requested", incidentId: "inc-e", tenant, at: at(31), by: kari, reason: "smoke, resident cannot leave alone", address: home } },
  { residentId: "res-0004", event: { type: "handover_offered", incidentId: "inc-e", tenant, at: at(31), offerNo: 1, team: teamNord, address: home, criticalNotes: ["oxygen at home"], access: { kind: "e_lock", lockId: "lock-0004" }, reason: "smoke", timeouts, deadline: at(32) } },
  { residentId: "res-0004", event: { type: "handover_rejected", incidentId: "inc-e", tenant, at: at(32), offerNo: 1, responder: nina, reason: "on another call-out" } },
  { residentId: "res-0004", event: { type: "handover_offered", incidentId: "inc-e", tenant, at: at(32), offerNo: 2, team: teamSor, address: home, criticalNotes: ["oxygen at home"], access: { kind: "e_lock", lockId: "lock-0004" }, reason: "smoke", timeouts, deadline: at(33) } },
  { residentId: "res-0004", event: { type: "handover_timed_out", incidentId: "inc-e", tenant, at: at(33), step: "offer", offerNo: 2, deadline: at(33) } },
  { residentId: "res-0004", event: { type: "handover_returned", incidentId: "inc-e", tenant, at: at(33), reason: "no team answered" } },
  { residentId: "res-0004", event: { type: "handover_offered", incidentId: "inc-e", tenant, at: at(34), offerNo: 3, team: teamNord, address: home, criticalNotes: ["oxygen at home"], access: { kind: "e_lock", lockId: "lock-0004" }, reason: "smoke", timeouts, deadline: at(35) } },
  { residentId: "res-0004", event: { type: "handover_accepted", incidentId: "inc-e", tenant, at: at(34), offerNo: 3, responder: nina, eta: at(44), deadline: at(36) } },
  { residentId: "res-0004", event: { type: "responder_en_route", incidentId: "inc-e", tenant, at: at(35), responder: nina, deadline: at(50) } },
  { residentId: "res-0004", event: { type: "responder_on_site", incidentId: "inc-e", tenant, at: at(44), responder: nina, position: { lat: 59.9101, lon: 10.7501 }, distanceM: 13, radiusM: 75, atConfirmedAddress: true, deadline: at(74) } },
  { residentId: "res-0004", event: { type: "handover_completed", incidentId: "inc-e", tenant, at: at(60), responder: nina, outcome: "pan on the stove, aired out, resident unharmed" } },
  { residentId: "res-0004", event: { type: "contact_cascade_started", incidentId: "inc-e", tenant, at: at(61), by: kari, contacts: [{ position: 1, name: "Per", relation: "son", keyholder: true }, { position: 2, name: "Eva", relation: "neighbour", keyholder: false }], timeoutS: 60 } },
  { residentId: "res-0004", event: { type: "contact_called", incidentId: "inc-e", tenant, at: at(61), position: 1, deadline: at(62) } },
  { residentId: "res-0004", event: { type: "contact_call_timed_out", incidentId: "inc-e", tenant, at: at(62), position: 1 } },
  { residentId: "res-0004", event: { type: "contact_called", incidentId: "inc-e", tenant, at: at(62), position: 2, deadline: at(63) } },
  { residentId: "res-0004", event: { type: "contact_answered", incidentId: "inc-e", tenant, at: at(62), position: 2, accepted: true, by: { kind: "responder", id: "contact:res-0004:2", name: "Eva" } } },
  { residentId: "res-0004", event: { type: "contact_cascade_ended", incidentId: "inc-e", tenant, at: at(62), outcome: "accepted", position: 2 } },
  { residentId: "res-0004", event: { type: "handover_cancelled", incidentId: "inc-e", tenant, at: at(63), by: kari, reason: "a second call-out was not needed" } }
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
        summary: "resident card opened from the incident",
        data: { role: "operator", client: { application: "console-web", address: "10.20.30.40" } }
      })
    }
  }
  entries.push({ id: "op-1", tenant, kind: "operator_action", at: at(26), actor: kari, subject: { incidentId: "inc-a", residentId: "res-0001" }, summary: "claim" })
  entries.push({ id: "cfg-1", tenant, kind: "config_change", at: at(27), actor: { kind: "admin", id: "u-admin" }, subject: {}, summary: "rule set 2026-11 activated", data: { ruleSetVersion: "2026-11" } })
  entries.push({
    id: "export-1",
    tenant,
    kind: "export",
    at: at(28),
    actor: { kind: "admin", id: "u-admin", name: "Anne Admin" },
    subject: { incidentId: "inc-a", residentId: "res-0001" },
    summary: "FHIR R4 export with wt fhir export (json): 40 AuditEvent",
    data: { exportId: "5f0c1d2e-0000-4000-8000-000000000001", client: { application: "wt-cli", host: "centre-host-1" }, destination: { file: "/srv/exports/inc-a.json" } }
  })
  // E-lock access as dispatch writes it: grant, a use, a refused use, revocation.
  const dispatch: Actor = { kind: "service", id: "dispatch" }
  const lock = { incidentId: "inc-e", residentId: "res-0004" }
  entries.push({ id: "elock-grant-g1", tenant, kind: "elock_access", at: at(34), actor: dispatch, subject: lock, summary: "e-lock lock-0004 opened to responder member-nord-1", data: { lockId: "lock-0004", responderId: "member-nord-1" } })
  entries.push({ id: "elock-use-g1-1", tenant, kind: "elock_access", at: at(44), actor: dispatch, subject: lock, summary: "e-lock lock-0004 opened by responder member-nord-1", data: { lockId: "lock-0004", responderId: "member-nord-1" } })
  entries.push({ id: "elock-use-denied-g1-2", tenant, kind: "elock_access", at: at(45), actor: dispatch, subject: lock, summary: "e-lock opening refused to responder member-nord-2: no live grant", data: { responderId: "member-nord-2" } })
  entries.push({ id: "elock-revoke-g1", tenant, kind: "elock_access", at: at(60), actor: dispatch, subject: lock, summary: "e-lock lock-0004 access of responder member-nord-1 revoked: call-out completed", data: { lockId: "lock-0004", reason: "completed" } })
  // A sign-in as the console records one, once the contract has the kind (an engineer is adding it).
  if ((AuditKind.literals as ReadonlyArray<string>).includes("authentication")) {
    entries.push({
      id: "auth-1",
      tenant,
      kind: "authentication" as string as AuditEntry["kind"],
      at: at(1),
      actor: kari,
      subject: {},
      summary: "sign-in as user u-kari succeeded",
      data: { outcome: "succeeded", knownDevice: true, userId: "u-kari", username: "kari", client: { application: "console-web", address: "10.20.30.40" } }
    })
  }
  // Heartbeats and positions as the audit service writes them: a few hundred to an entry, here two.
  const heartbeat = device(7, 61, { deviceId: "alarm-000001", type: "technical", payload: { event: "heartbeat" } })
  const position = device(8, 61, { deviceId: "gps-000005", type: "gps", payload: { lat: 59.91, lon: 10.75 } })
  entries.push({
    id: "devs-101-103-2-0c1e5d7a",
    tenant,
    kind: "device_events",
    at: at(61),
    actor: { kind: "service", id: "gateway" },
    subject: {},
    origin: { stream: "WT_DEVICE", seq: 101 },
    summary: "accepted 2 device events, WT_DEVICE 101–103",
    data: { events: [{ seq: 101, event: heartbeat }, { seq: 103, event: position }] }
  })
  return entries
}
