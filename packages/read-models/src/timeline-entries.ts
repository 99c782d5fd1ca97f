import type { Actor, DeviceEvent, IncidentEvent, IncidentState, TriageDecision } from "@wt/contracts"
import { HandlingCodeByStatus } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"

/**
 * One line of an incident's timeline, as a supervisor reads it. Ids only, no personal data.
 * `summary` is English, for the CLI and as the web app's fallback; `detail` holds what the summary
 * says as data (the web app words each entry in the user's language from it).
 */
export interface TimelineEntry {
  readonly entry: number
  readonly kind: "device_event" | "triage_decision" | "headline" | IncidentEvent["type"]
  readonly at: string
  readonly actor: Actor
  readonly summary: string
  /** National handling-log code where the entry changes how the incident is handled. */
  readonly handlingCode?: number
  readonly detail: unknown
}

const triage: Actor = { kind: "service", id: "triage" }
const dispatch: Actor = { kind: "service", id: "dispatch" }
const responder = (r: { readonly id: string; readonly name: string }): Actor => ({ kind: "responder", id: r.id, name: r.name })
const SentToCallOut = 4
const CallOutDone = 5
const OtherActor = 10
const Conversation = 8
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

/**
 * When a joining device event took the headline (it is more urgent than what headed the
 * incident), a line saying so: the queue's words for the incident changed here.
 */
const headlineEntries = (event: IncidentEvent & { readonly type: "device_event_correlated" }, after: IncidentState | undefined): ReadonlyArray<TimelineEntry> => {
  const h = after?.headline
  if (h === undefined || h.eventId !== event.deviceEvent.id || h.deviceId !== event.deviceEvent.deviceId || h.at !== event.at) return []
  return [{
    entry: 2,
    kind: "headline",
    at: event.at,
    actor: triage,
    summary: `${h.alarmType} from ${h.deviceId} now heads the incident (${h.priority}, ${h.category}): the most urgent signal; what joined before is listed beneath it`,
    detail: h
  }]
}

/**
 * Expands one stored incident event into its timeline entries; `after`, the incident's state
 * after it, tells whether a joining device event took the headline.
 */
export const timelineEntries = (event: IncidentEvent, after?: IncidentState): ReadonlyArray<TimelineEntry> => {
  switch (event.type) {
    case "incident_opened":
      return [
        deviceEntry(0, event.deviceEvent),
        decisionEntry(1, event.at, event.decision),
        { entry: 2, kind: event.type, at: event.at, actor: triage, summary: `incident opened as ${event.priority} ${alarmTypeOf(event.deviceEvent)} (${event.category}), owned by the queue`, handlingCode: HandlingCodeByStatus.open, detail: { priority: event.priority, category: event.category } }
      ]
    case "device_event_correlated":
      return [deviceEntry(0, event.deviceEvent), decisionEntry(1, event.at, event.decision), ...headlineEntries(event, after)]
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
    case "handover_requested":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `call-out requested by ${name(event.by)} to the confirmed ${event.address.kind} address: ${event.reason}`, handlingCode: SentToCallOut, detail: { reason: event.reason, addressKind: event.address.kind } }]
    case "handover_offered":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: `offer ${event.offerNo} to ${event.team.name}, answer by ${event.deadline} (${event.criticalNotes.length} critical notes, access: ${event.access.kind})`, handlingCode: SentToCallOut, detail: { offerNo: event.offerNo, team: event.team, deadline: event.deadline, access: event.access.kind, criticalNotes: event.criticalNotes.length } }]
    case "handover_accepted":
      return [{ entry: 0, kind: event.type, at: event.at, actor: responder(event.responder), summary: `accepted by ${event.responder.name} (team ${event.responder.teamId}), ETA ${event.eta}; team owns the call-out`, handlingCode: SentToCallOut, detail: { offerNo: event.offerNo, eta: event.eta, deadline: event.deadline, teamId: event.responder.teamId } }]
    case "handover_rejected":
      return [{ entry: 0, kind: event.type, at: event.at, actor: responder(event.responder), summary: `offer ${event.offerNo} rejected by ${event.responder.name}: ${event.reason}`, detail: { offerNo: event.offerNo, reason: event.reason } }]
    case "handover_timed_out":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: event.step === "offer" ? `offer ${event.offerNo} not answered by ${event.deadline}; moving to the next team` : `${event.step} step overdue since ${event.deadline}; back to the operator`, detail: event }]
    case "handover_returned":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: `call-out back with the operator: ${event.reason}`, detail: event }]
    case "responder_en_route":
      return [{ entry: 0, kind: event.type, at: event.at, actor: responder(event.responder), summary: `${event.responder.name} en route, due on site by ${event.deadline}`, handlingCode: SentToCallOut, detail: { deadline: event.deadline } }]
    case "responder_on_site":
      return [{ entry: 0, kind: event.type, at: event.at, actor: responder(event.responder), summary: event.atConfirmedAddress ? `${event.responder.name} on site (${event.distanceM} m from the confirmed address)` : `WRONG ADDRESS: ${event.responder.name} reported arrival ${event.distanceM} m from the confirmed address (radius ${event.radiusM} m)`, handlingCode: CallOutDone, detail: { distanceM: event.distanceM, radiusM: event.radiusM, atConfirmedAddress: event.atConfirmedAddress } }]
    case "handover_completed":
      return [{ entry: 0, kind: event.type, at: event.at, actor: responder(event.responder), summary: `call-out completed by ${event.responder.name}: ${event.outcome}`, handlingCode: CallOutDone, detail: { outcome: event.outcome } }]
    case "handover_cancelled":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `call-out cancelled by ${name(event.by)}: ${event.reason}`, detail: { reason: event.reason } }]
    case "agency_notified":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: `${event.agency} alerted on ${event.channel}: ${event.reason}`, handlingCode: OtherActor, detail: { agency: event.agency, channel: event.channel, reason: event.reason } }]
    case "contact_cascade_started":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `calling ${event.contacts.length} contacts in order, ${event.timeoutS} s each`, detail: { contacts: event.contacts.length, timeoutS: event.timeoutS } }]
    case "contact_called":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: `calling contact ${event.position}, answer by ${event.deadline}`, detail: event }]
    case "contact_answered":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `contact ${event.position} ${event.accepted ? "accepted" : "declined"}`, ...(event.accepted ? { handlingCode: Conversation } : {}), detail: { position: event.position, accepted: event.accepted } }]
    case "contact_call_timed_out":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: `contact ${event.position} did not answer`, detail: event }]
    case "contact_cascade_ended":
      return [{ entry: 0, kind: event.type, at: event.at, actor: dispatch, summary: event.outcome === "cancelled" ? "calls to next of kin stopped: the call-out was cancelled" : `contact cascade ${event.outcome}`, detail: event }]
    case "incident_merged":
      return [{ entry: 0, kind: event.type, at: event.at, actor: event.by, summary: `merged into ${event.into} by ${name(event.by)}`, handlingCode: HandlingCodeByStatus.merged, detail: event }]
  }
}
