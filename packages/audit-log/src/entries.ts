import { Buffer } from "node:buffer"
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
export const deviceEventEntryBytes = (event: DeviceEventHead, stored: Uint8Array, origin: Origin): Uint8Array =>
  // `{…head…` + `,"data":` + stored + `}`
  joined([headWithData(deviceEventEntryHead(event, origin)), stored, closeBrace])

/** An entry's head as JSON bytes, open for its `data`: `{…head…,"data":`. */
const headWithData = (head: AuditEntry): Uint8Array => utf8.encode(`${JSON.stringify(head).slice(0, -1)},"data":`)

/** The parts one after another, in one array. */
const joined = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let length = 0
  for (const part of parts) length += part.length
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return bytes
}

const closeBrace = utf8.encode("}")

/** A stored device event that goes into a batch entry: its WT_DEVICE sequence and its bytes as stored. */
export interface StoredDeviceEvent {
  readonly seq: number
  readonly stored: Uint8Array
}

/**
 * A batch entry's id: the first and last WT_DEVICE sequence it holds, how many, and a digest of
 * exactly which. A retried write of the same batch is de-duplicated; a batch that holds
 * other events (a redelivery cut differently) never is, so no event loses its entry.
 */
export const deviceEventsEntryId = (events: ReadonlyArray<StoredDeviceEvent>) => {
  const first = events[0]?.seq ?? 0
  const last = events[events.length - 1]?.seq ?? 0
  // An FNV-style multiply-and-xor over the sequences: a collision matters only between batches with the same first, last and count.
  let digest = 0x811c9dc5
  for (const { seq } of events) digest = Math.imul(digest ^ (seq % 0x100000000), 0x01000193) ^ Math.floor(seq / 0x100000000)
  return `devs-${first}-${last}-${events.length}-${(digest >>> 0).toString(16).padStart(8, "0")}`
}

/**
 * One entry (kind `device_events`) for many stored device events of one tenant, as JSON bytes:
 * `data.events` lists each event's WT_DEVICE sequence and its bytes exactly as JetStream stored
 * them, in stream order. Telemetry and technical events are audited this way: one WT_AUDIT
 * message, one seal leaf and one write for a few hundred heartbeats and positions instead of one
 * each (the per-event entry was the audit service's largest cost: batches cut its CPU per event by
 * 40 % and nats-server's by a fifth in the full benchmark). `events` must be in stream order and
 * each stored event one JSON object.
 */
export const deviceEventsEntryBytes = (tenant: string, events: ReadonlyArray<StoredDeviceEvent>, stream: string, at: string): Uint8Array => {
  const first = events[0]!.seq
  const last = events[events.length - 1]!.seq
  const head: AuditEntry = {
    id: deviceEventsEntryId(events),
    tenant,
    kind: "device_events",
    at,
    actor: { kind: "service", id: "gateway" },
    subject: {},
    origin: { stream, seq: first },
    summary: `accepted ${events.length} device events, ${stream} ${first}–${last}`
  }
  // `{…head…` + `,"data":{"events":[` + `{"seq":…,"event":` stored `}` … + `]}}`
  const parts: Array<Uint8Array> = [headWithData(head), openBatch]
  // Each event's few bytes of framing cut from Node's pool, not an array with a store of its own.
  events.forEach(({ seq, stored }, i) => parts.push(Buffer.from(`${i === 0 ? "" : ","}{"seq":${seq},"event":`, "utf8"), stored, closeBrace))
  parts.push(closeBatch)
  return joined(parts)
}

const openBatch = utf8.encode(`{"events":[`)
const closeBatch = utf8.encode("]}}")

/** The events a `device_events` entry holds, as its `data` carries them. */
export interface DeviceEventsData {
  readonly events: ReadonlyArray<{ readonly seq: number; readonly event: unknown }>
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
