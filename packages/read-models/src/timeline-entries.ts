import type { Actor, DeviceEvent, IncidentEvent, TriageDecision } from "@wt/contracts"
import { HandlingCodeByStatus } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"

/** One line of an incident's timeline, as a supervisor reads it. Ids only, no personal data. */
export interface TimelineEntry {
  readonly entry: number
  readonly kind: "device_event" | "triage_decision" | IncidentEvent["type"]
  readonly at: string
  readonly actor: Actor
  readonly summary: string
  /** National handling-log code where the entry changes how the incident is handled. */
  readonly handlingCode?: number
  readonly detail: unknown
}

const triage: Actor = { kind: "service", id: "triage" }
const device = (e: DeviceEvent): Actor => ({ kind: "system", id: e.deviceId })
const name = (a: Actor) => a.name ?? a.id

const deviceEntry = (entry: number, e: DeviceEvent): TimelineEntry => ({
  entry,
  kind: "device_event",
  at: e.occurredAt,
  actor: device(e),
  summary: `${alarmTypeOf(e)} from ${e.deviceId} (received ${e.receivedAt ?? "?"}, id ${e.id})`,
  detail: e
})

const decisionEntry = (entry: number, at: string, d: TriageDecision): TimelineEntry => ({
  entry,
  kind: "triage_decision",
  at,
  actor: triage,
  summary: `${d.priority} by rule ${d.ruleId} (${d.ruleSetVersion}): ${d.reason}${d.fireService ? "; fire service to be alerted" : ""}`,
  detail: d
})

/** Expands one stored incident event into its timeline entries. */
export const timelineEntries = (event: IncidentEvent): ReadonlyArray<TimelineEntry> => {
  switch (event.type) {
    case "incident_opened":
      return [
        deviceEntry(0, event.deviceEvent),
        decisionEntry(1, event.at, event.decision),
        { entry: 2, kind: event.type, at: event.at, actor: triage, summary: `incident opened as ${event.priority}, owned by the queue`, handlingCode: HandlingCodeByStatus.open, detail: { priority: event.priority, category: event.category } }
      ]
    case "device_event_correlated":
      return [deviceEntry(0, event.deviceEvent), decisionEntry(1, event.at, event.decision)]
    case "priority_raised":
      return [{ entry: 0, kind: event.type, at: event.at, actor: triage, summary: `priority raised ${event.from} → ${event.to}: ${event.reason}`, detail: event }]
    case "incident_claimed":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `claimed by ${name(event.by)}; owner now ${name(event.by)}`, handlingCode: HandlingCodeByStatus.claimed, detail: { by: event.by } }]
    case "note_added":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `note (code ${event.handlingCode}) by ${name(event.by)}`, handlingCode: event.handlingCode, detail: { handlingCode: event.handlingCode, text: event.text } }]
    case "incident_resolved":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `resolved by ${name(event.by)}${event.cause ? `; cause: ${event.cause}` : ""}${event.action ? `; action: ${event.action}` : ""}`, handlingCode: HandlingCodeByStatus.resolved, detail: event }]
    case "incident_cancelled":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `cancelled by ${name(event.by)}: ${event.reason}`, handlingCode: HandlingCodeByStatus.cancelled, detail: event }]
    case "contact_recorded":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `conversation with ${event.party} (${name(event.by)})`, handlingCode: HandlingCodeByStatus.in_contact, detail: { party: event.party } }]
    case "incident_marked_repeated":
      return [{ entry: 0, kind: event.type, at: event.at, actor: triage, summary: `repeated: ${event.alarmsInWindow} care alarms within ${event.windowHours} h; at least ${event.atLeast}; a second person must confirm the closing (${event.ruleId}, ${event.ruleSetVersion})`, detail: event }]
    case "incident_escalated":
      return [{ entry: 0, kind: event.type, at: event.at, actor: triage, summary: `escalated to level ${event.level}: ${event.reason} (unclaimed for ${Math.round(event.unclaimedForMs / 1000)} s)`, detail: event }]
    case "incident_closed":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `closed by ${name(event.by)}${event.confirms ? `, confirming ${name(event.confirms)}'s resolution` : ""}`, handlingCode: HandlingCodeByStatus.closed, detail: event }]
    case "storm_updated":
      return [{ entry: 0, kind: event.type, at: event.at, actor: triage, summary: `storm: ${event.lost.length} more devices lost supervision, ${event.restored.length} came back`, detail: event }]
    case "incident_merged":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `merged into ${event.into} by ${name(event.by)}`, handlingCode: HandlingCodeByStatus.merged, detail: event }]
  }
}
