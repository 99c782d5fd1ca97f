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

/** How a resident's response plan changed a decision: the rule's own priority, and the plan's parameters it used. */
export const PlanOverrideApplied = Schema.Struct({
  planId: Schema.String,
  /** The rule's priority before the plan replaced it; absent when the plan kept it. */
  priorityFrom: Schema.optionalKey(Priority),
  /** Parameters the rule read that came from the plan (nightHours, leftBedMinutes, geofenceRadiusM, morningActivityBy). */
  parameters: Schema.optionalKey(Schema.Array(Schema.String))
}).annotate({ identifier: "PlanOverrideApplied" })
export type PlanOverrideApplied = typeof PlanOverrideApplied.Type

export const TriageDecision = Schema.Struct({
  ruleId: Schema.String,
  ruleSetVersion: Schema.String,
  priority: Priority,
  category: IncidentCategory,
  reason: Schema.String,
  fireService: Schema.Boolean,
  /** Present when a resident's response plan changed this decision. */
  planOverride: Schema.optionalKey(PlanOverrideApplied)
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

export const ContactRecorded = Schema.Struct({
  type: Schema.Literal("contact_recorded"),
  ...eventBase,
  by: Actor,
  /** With whom: the resident, a next of kin, a keyholder … */
  party: Schema.String
})
/** Three or more care alarms from one resident within the window: a second person must confirm the closing. */
export const IncidentMarkedRepeated = Schema.Struct({
  type: Schema.Literal("incident_marked_repeated"),
  ...eventBase,
  alarmsInWindow: Schema.Int,
  windowHours: Schema.Number,
  /** The priority the incident has at least from now on. */
  atLeast: Priority,
  ruleId: Schema.String,
  ruleSetVersion: Schema.String
})
/** Not claimed within its priority's limit: raised on the queue and announced to supervisors. */
export const IncidentEscalated = Schema.Struct({
  type: Schema.Literal("incident_escalated"),
  ...eventBase,
  level: Schema.Int,
  reason: Schema.String,
  unclaimedForMs: Schema.Int
})
export const IncidentClosed = Schema.Struct({
  type: Schema.Literal("incident_closed"),
  ...eventBase,
  by: Actor,
  /** Set when the closing confirmed someone else's resolution (second pair of eyes). */
  confirms: Schema.optionalKey(Actor)
})
export const IncidentMerged = Schema.Struct({
  type: Schema.Literal("incident_merged"),
  ...eventBase,
  by: Actor,
  into: IncidentId
})

/**
 * A storm incident's device list changed: devices that lost supervision joined it,
 * devices heard from again left it. One event per batch, not one per device.
 */
export const StormUpdated = Schema.Struct({
  type: Schema.Literal("storm_updated"),
  ...eventBase,
  lost: Schema.Array(Schema.String),
  restored: Schema.Array(Schema.String)
})

export const IncidentEvent = Schema.Union([
  IncidentOpened,
  DeviceEventCorrelated,
  PriorityRaised,
  IncidentClaimed,
  NoteAdded,
  IncidentResolved,
  IncidentCancelled,
  ContactRecorded,
  IncidentMarkedRepeated,
  IncidentEscalated,
  IncidentClosed,
  IncidentMerged,
  StormUpdated
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
  version: Schema.Int,
  /** Repeated care alarms: closing needs a second person's confirmation. */
  repeated: Schema.optionalKey(Schema.Boolean),
  escalationLevel: Schema.optionalKey(Schema.Int),
  resolvedBy: Schema.optionalKey(Actor),
  mergedInto: Schema.optionalKey(IncidentId),
  /** Technical faults still open, as `<deviceId>:<fault>`; a restore removes its fault. */
  openFaults: Schema.optionalKey(Schema.Array(Schema.String)),
  /** A supervision storm: how many devices it has held, and which have not come back. */
  storm: Schema.optionalKey(Schema.Struct({ devices: Schema.Int, down: Schema.Array(Schema.String) }))
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
export const RecordContact = Schema.Struct({ type: Schema.Literal("record_contact"), ...commandBase, by: Actor, party: Schema.String })
export const MarkRepeated = Schema.Struct({
  type: Schema.Literal("mark_repeated"),
  ...commandBase,
  alarmsInWindow: Schema.Int,
  windowHours: Schema.Number,
  atLeast: Priority,
  ruleId: Schema.String,
  ruleSetVersion: Schema.String
})
export const EscalateIncident = Schema.Struct({
  type: Schema.Literal("escalate"),
  ...commandBase,
  /** The level this escalation reaches; a repeated command for a reached level does nothing. */
  level: Schema.Int,
  reason: Schema.String,
  unclaimedForMs: Schema.Int
})
export const UpdateStorm = Schema.Struct({
  type: Schema.Literal("update_storm"),
  ...commandBase,
  lost: Schema.Array(Schema.String),
  restored: Schema.Array(Schema.String)
})
export const CloseIncident = Schema.Struct({ type: Schema.Literal("close"), ...commandBase, by: Actor })
export const MergeIncident = Schema.Struct({ type: Schema.Literal("merge"), ...commandBase, by: Actor, into: IncidentId })

export const IncidentCommand = Schema.Union([
  OpenIncident,
  CorrelateDeviceEvent,
  ClaimIncident,
  AddNote,
  ResolveIncident,
  CancelIncident,
  RecordContact,
  MarkRepeated,
  EscalateIncident,
  CloseIncident,
  MergeIncident,
  UpdateStorm
]).annotate({ identifier: "IncidentCommand" })
export type IncidentCommand = typeof IncidentCommand.Type
