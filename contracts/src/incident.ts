import { Schema } from "effect"
import { DeviceEvent } from "./device-event.ts"
import { IncidentId, Instant, ResidentId, TenantId } from "./ids.ts"

export const Priority = Schema.Literals(["P1", "P2", "P3", "P4"]).annotate({ identifier: "Priority" })
export type Priority = typeof Priority.Type

/** National severity (VKP) and triage colour per priority. */
export const PriorityScale: Record<Priority, { readonly severity: 0 | 10 | 20 | 30 | 40; readonly colour: string; readonly rank: number }> = {
  P1: { severity: 40, colour: "red", rank: 1 },
  P2: { severity: 30, colour: "orange", rank: 2 },
  P3: { severity: 20, colour: "yellow", rank: 3 },
  P4: { severity: 10, colour: "blue", rank: 4 }
}
/** True when `a` is more urgent than `b`. */
export const outranks = (a: Priority, b: Priority): boolean => PriorityScale[a].rank < PriorityScale[b].rank

export const IncidentStatus = Schema.Literals([
  "open",
  "claimed",
  "in_contact",
  "dispatching",
  "responder_assigned",
  "en_route",
  "on_site",
  "resolved",
  "closed",
  "cancelled",
  "merged"
]).annotate({ identifier: "IncidentStatus" })
export type IncidentStatus = typeof IncidentStatus.Type

export const ActiveStatuses: ReadonlyArray<IncidentStatus> = [
  "open",
  "claimed",
  "in_contact",
  "dispatching",
  "responder_assigned",
  "en_route",
  "on_site"
]

/**
 * National handling-log codes (Norsk helsenett VKP): 0 reported, 1 being handled,
 * 3 acknowledged, 4 sent to call-out, 5 call-out done, 8 conversation,
 * 9 measure taken, 10 other actor.
 */
export const HandlingCodeByStatus: Record<IncidentStatus, number> = {
  open: 0,
  claimed: 1,
  in_contact: 8,
  dispatching: 4,
  responder_assigned: 4,
  en_route: 4,
  on_site: 5,
  resolved: 9,
  closed: 3,
  cancelled: 3,
  merged: 10
}

export const IncidentCategory = Schema.Literals(["care", "fire", "wellbeing", "location", "medication", "technical"])
export type IncidentCategory = typeof IncidentCategory.Type

export const Actor = Schema.Struct({
  kind: Schema.Literals(["system", "operator", "supervisor", "admin", "responder", "service"]),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Actor" })
export type Actor = typeof Actor.Type

/** Who owns the incident at this instant; exactly one party always does. */
export const Owner = Schema.Struct({
  kind: Schema.Literals(["queue", "operator", "team", "agency"]),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Owner" })
export type Owner = typeof Owner.Type

export const TriageDecision = Schema.Struct({
  ruleId: Schema.String,
  ruleSetVersion: Schema.String,
  priority: Priority,
  category: IncidentCategory,
  reason: Schema.String,
  fireService: Schema.Boolean
}).annotate({ identifier: "TriageDecision" })
export type TriageDecision = typeof TriageDecision.Type

const eventBase = { incidentId: IncidentId, tenant: TenantId, at: Instant }

export const IncidentOpened = Schema.Struct({
  type: Schema.Literal("incident_opened"),
  ...eventBase,
  residentId: ResidentId,
  priority: Priority,
  category: IncidentCategory,
  decision: TriageDecision,
  deviceEvent: DeviceEvent
})
export const DeviceEventCorrelated = Schema.Struct({
  type: Schema.Literal("device_event_correlated"),
  ...eventBase,
  decision: TriageDecision,
  deviceEvent: DeviceEvent
})
export const PriorityRaised = Schema.Struct({
  type: Schema.Literal("priority_raised"),
  ...eventBase,
  from: Priority,
  to: Priority,
  reason: Schema.String
})
export const IncidentClaimed = Schema.Struct({
  type: Schema.Literal("incident_claimed"),
  ...eventBase,
  by: Actor
})
export const NoteAdded = Schema.Struct({
  type: Schema.Literal("note_added"),
  ...eventBase,
  by: Actor,
  handlingCode: Schema.Int,
  text: Schema.String.check(Schema.isMaxLength(4000))
})
export const IncidentResolved = Schema.Struct({
  type: Schema.Literal("incident_resolved"),
  ...eventBase,
  by: Actor,
  cause: Schema.optionalKey(Schema.String),
  action: Schema.optionalKey(Schema.String),
  note: Schema.optionalKey(Schema.String)
})
export const IncidentCancelled = Schema.Struct({
  type: Schema.Literal("incident_cancelled"),
  ...eventBase,
  by: Actor,
  reason: Schema.String
})

export const IncidentEvent = Schema.Union([
  IncidentOpened,
  DeviceEventCorrelated,
  PriorityRaised,
  IncidentClaimed,
  NoteAdded,
  IncidentResolved,
  IncidentCancelled
]).annotate({ identifier: "IncidentEvent" })
export type IncidentEvent = typeof IncidentEvent.Type
export type IncidentEventType = IncidentEvent["type"]

export const IncidentState = Schema.Struct({
  incidentId: IncidentId,
  tenant: TenantId,
  residentId: ResidentId,
  status: IncidentStatus,
  priority: Priority,
  category: IncidentCategory,
  owner: Owner,
  openedAt: Instant,
  claimedAt: Schema.optionalKey(Instant),
  claimedBy: Schema.optionalKey(Actor),
  endedAt: Schema.optionalKey(Instant),
  lastEventAt: Instant,
  alarmType: Schema.String,
  deviceEventCount: Schema.Int,
  /** The most recent device event ids, newest last (bounded), to recognise a redelivery. */
  recentDeviceEventIds: Schema.Array(Schema.String),
  /** Number of incident events so far; the next event is version + 1. */
  version: Schema.Int
}).annotate({ identifier: "IncidentState" })
export type IncidentState = typeof IncidentState.Type

/** What each message on `wt.inc.<tenant>.<incidentId>` carries: the event and the state after it. */
export const IncidentRecord = Schema.Struct({
  event: IncidentEvent,
  state: IncidentState
}).annotate({ identifier: "IncidentRecord" })
export type IncidentRecord = typeof IncidentRecord.Type

const commandBase = { at: Instant }
export const OpenIncident = Schema.Struct({
  type: Schema.Literal("open_incident"),
  ...commandBase,
  incidentId: IncidentId,
  tenant: TenantId,
  residentId: ResidentId,
  decision: TriageDecision,
  deviceEvent: DeviceEvent
})
export const CorrelateDeviceEvent = Schema.Struct({
  type: Schema.Literal("correlate_device_event"),
  ...commandBase,
  decision: TriageDecision,
  deviceEvent: DeviceEvent
})
export const ClaimIncident = Schema.Struct({ type: Schema.Literal("claim"), ...commandBase, by: Actor })
export const AddNote = Schema.Struct({
  type: Schema.Literal("add_note"),
  ...commandBase,
  by: Actor,
  handlingCode: Schema.Int,
  text: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(4000))
})
export const ResolveIncident = Schema.Struct({
  type: Schema.Literal("resolve"),
  ...commandBase,
  by: Actor,
  cause: Schema.optionalKey(Schema.String),
  action: Schema.optionalKey(Schema.String),
  note: Schema.optionalKey(Schema.String)
})
export const CancelIncident = Schema.Struct({
  type: Schema.Literal("cancel"),
  ...commandBase,
  by: Actor,
  reason: Schema.String
})
export const IncidentCommand = Schema.Union([
  OpenIncident,
  CorrelateDeviceEvent,
  ClaimIncident,
  AddNote,
  ResolveIncident,
  CancelIncident
]).annotate({ identifier: "IncidentCommand" })
export type IncidentCommand = typeof IncidentCommand.Type
