import { AuditEntry, type DeviceEvent, type DeviceEventHead, type IncidentRecord } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"

const dispatchEvents: ReadonlySet<string> = new Set([
  "handover_offered",
  "handover_timed_out",
  "handover_returned",
  "agency_notified",
  "contact_called",
  "contact_call_timed_out",
  "contact_cascade_ended"
])

export interface Origin {
  readonly stream: string
  readonly seq: number
}

/** The entry for a device event that JetStream accepted. Its id follows the stream position, so a replay de-duplicates. */
export const deviceEventEntry = (event: DeviceEvent, origin: Origin): AuditEntry => ({
  ...deviceEventEntryHead(event, origin),
  data: event
})

/** A device event's entry id: its stream position, so a replay de-duplicates. */
export const deviceEventEntryId = (origin: Origin) => `dev-${origin.seq}`

const deviceEventEntryHead = (event: DeviceEventHead, origin: Origin): AuditEntry => ({
  id: deviceEventEntryId(origin),
  tenant: event.tenant,
  kind: "device_event",
  at: event.receivedAt ?? event.occurredAt,
  actor: { kind: "system", id: event.deviceId },
  subject: { deviceId: event.deviceId, eventId: event.id },
  origin,
  summary: `accepted ${alarmTypeOf(event)} from ${event.deviceId}`
})

const utf8 = new TextEncoder()

/**
 * The same entry as {@link deviceEventEntry}, as JSON bytes whose `data` is the event's bytes as
 * JetStream stored them: the event is neither decoded whole nor encoded again (at telemetry rates
 * the two took about a third of the audit service's work), and the trail keeps exactly what was stored.
 * `stored` must be one JSON object (it parsed as the head).
 *
 * The head is written with `JSON.stringify`, not through the `AuditEntry` schema: every field is
 * a string or number taken from a head the schema already checked, and the schema's encoding
 * cost twice the rest of the entry (a property test holds the two to the same entry).
 */
export const deviceEventEntryBytes = (event: DeviceEventHead, stored: Uint8Array, origin: Origin): Uint8Array => {
  // `{…head…` + `,"data":` + stored + `}`
  const head = utf8.encode(`${JSON.stringify(deviceEventEntryHead(event, origin)).slice(0, -1)},"data":`)
  const bytes = new Uint8Array(head.length + stored.length + 1)
  bytes.set(head, 0)
  bytes.set(stored, head.length)
  bytes[bytes.length - 1] = 0x7d
  return bytes
}

/**
 * The entries for one stored incident event: the incident event itself and, when it
 * carries one, the triage decision as its own entry so decisions can be audited alone.
 */
export const incidentRecordEntries = (record: IncidentRecord, origin: Origin): ReadonlyArray<AuditEntry> => {
  const { event, state } = record
  const subject = { incidentId: event.incidentId, residentId: state.residentId }
  const actor = "by" in event
    ? event.by
    : "responder" in event
    ? { kind: "responder" as const, id: event.responder.id, name: event.responder.name }
    : { kind: "service" as const, id: dispatchEvents.has(event.type) ? "dispatch" : "triage" }
  const entries: Array<AuditEntry> = []
  if (event.type === "incident_opened" || event.type === "device_event_correlated") {
    entries.push({
      id: `dec-${origin.seq}`,
      tenant: event.tenant,
      kind: "triage_decision",
      at: event.at,
      actor: { kind: "service", id: "triage" },
      subject: { ...subject, deviceId: event.deviceEvent.deviceId, eventId: event.deviceEvent.id },
      origin,
      summary: `${event.decision.priority} by ${event.decision.ruleId} (${event.decision.ruleSetVersion})`,
      data: event.decision
    })
  }
  entries.push({
    id: `inc-${origin.seq}`,
    tenant: event.tenant,
    kind: "incident_event",
    at: event.at,
    actor,
    subject,
    origin,
    summary: `${event.type}; status ${state.status}, ${state.priority}, owner ${state.owner.kind}:${state.owner.id}`,
    data: event
  })
  return entries
}
