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


/** The address the operator confirmed for a call-out; the responder's arrival is checked against it. */
export const ConfirmedAddress = Schema.Struct({
  kind: Schema.Literals(["home", "temporary", "other"]),
  street: Schema.String,
  postcode: Schema.String,
  city: Schema.String,
  lat: Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 })),
  lon: Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 }))
}).annotate({ identifier: "ConfirmedAddress" })
export type ConfirmedAddress = typeof ConfirmedAddress.Type

/** How the responder gets in: a key safe (code given on acceptance), an e-lock (time-boxed grant) or nothing known. */
export const HandoverAccess = Schema.Struct({
  kind: Schema.Literals(["none", "key_safe", "e_lock"]),
  lockId: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "HandoverAccess" })
export type HandoverAccess = typeof HandoverAccess.Type

/** Outside agencies by their Norwegian emergency numbers: fire 110, police 112, ambulance 113. */
export const Agency = Schema.Literals(["110", "112", "113"]).annotate({ identifier: "Agency" })
export type Agency = typeof Agency.Type

/** A handover step with a deadline: answering the offer, setting out, arriving, finishing the visit. */
export const HandoverStep = Schema.Literals(["offer", "start", "arrival", "visit"]).annotate({ identifier: "HandoverStep" })
export type HandoverStep = typeof HandoverStep.Type

/** Seconds each step may take, from the resident's response plan. */
export const HandoverTimeouts = Schema.Struct({
  offerS: Schema.Int,
  startS: Schema.Int,
  arrivalGraceS: Schema.Int,
  visitS: Schema.Int
}).annotate({ identifier: "HandoverTimeouts" })
export type HandoverTimeouts = typeof HandoverTimeouts.Type

export const TeamRef = Schema.Struct({ id: Schema.String, name: Schema.String }).annotate({ identifier: "TeamRef" })
export type TeamRef = typeof TeamRef.Type
export const ResponderRef = Schema.Struct({ id: Schema.String, name: Schema.String, teamId: Schema.String }).annotate({ identifier: "ResponderRef" })
export type ResponderRef = typeof ResponderRef.Type

export const Position = Schema.Struct({
  lat: Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 })),
  lon: Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 })),
  accuracyM: Schema.optionalKey(Schema.Finite)
}).annotate({ identifier: "Position" })
export type Position = typeof Position.Type

export const CascadeContact = Schema.Struct({
  position: Schema.Int,
  name: Schema.String,
  relation: Schema.String,
  keyholder: Schema.Boolean
}).annotate({ identifier: "CascadeContact" })
export type CascadeContact = typeof CascadeContact.Type

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
  windowHours: Schema.Finite,
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


/** The operator asks for a call-out to the address they confirmed with the resident or caller. */
export const HandoverRequested = Schema.Struct({
  type: Schema.Literal("handover_requested"),
  ...eventBase,
  by: Actor,
  reason: Schema.String,
  address: ConfirmedAddress
})
/** Dispatch offers the call-out to one team, with everything the team needs to act on it. */
export const HandoverOffered = Schema.Struct({
  type: Schema.Literal("handover_offered"),
  ...eventBase,
  offerNo: Schema.Int,
  team: TeamRef,
  address: ConfirmedAddress,
  criticalNotes: Schema.Array(Schema.String),
  access: HandoverAccess,
  reason: Schema.String,
  timeouts: HandoverTimeouts,
  deadline: Instant
})
export const HandoverAccepted = Schema.Struct({
  type: Schema.Literal("handover_accepted"),
  ...eventBase,
  offerNo: Schema.Int,
  responder: ResponderRef,
  eta: Instant,
  /** When the responder must have set out. */
  deadline: Instant
})
export const HandoverRejected = Schema.Struct({
  type: Schema.Literal("handover_rejected"),
  ...eventBase,
  offerNo: Schema.Int,
  responder: ResponderRef,
  reason: Schema.String
})
/** A step's deadline passed: an unanswered offer moves to the next team, a later step back to the operator. */
export const HandoverTimedOut = Schema.Struct({
  type: Schema.Literal("handover_timed_out"),
  ...eventBase,
  step: HandoverStep,
  offerNo: Schema.Int,
  deadline: Instant
})
/** No team (left) to offer to: the operator owns the call-out again. */
export const HandoverReturned = Schema.Struct({
  type: Schema.Literal("handover_returned"),
  ...eventBase,
  reason: Schema.String
})
export const ResponderEnRoute = Schema.Struct({
  type: Schema.Literal("responder_en_route"),
  ...eventBase,
  responder: ResponderRef,
  /** When the responder must be on site (ETA plus grace). */
  deadline: Instant
})
export const ResponderOnSite = Schema.Struct({
  type: Schema.Literal("responder_on_site"),
  ...eventBase,
  responder: ResponderRef,
  position: Position,
  /** Distance from the confirmed address; beyond the radius the operator is alerted at once. */
  distanceM: Schema.Finite,
  radiusM: Schema.Finite,
  atConfirmedAddress: Schema.Boolean,
  deadline: Instant
})
export const HandoverCompleted = Schema.Struct({
  type: Schema.Literal("handover_completed"),
  ...eventBase,
  responder: ResponderRef,
  outcome: Schema.String.check(Schema.isMaxLength(4000))
})
export const HandoverCancelled = Schema.Struct({
  type: Schema.Literal("handover_cancelled"),
  ...eventBase,
  by: Actor,
  reason: Schema.String
})
/** An outside agency was alerted on its own channel (fire and smoke: at once, before any home-care offer). */
export const AgencyNotified = Schema.Struct({
  type: Schema.Literal("agency_notified"),
  ...eventBase,
  agency: Agency,
  channel: Schema.String,
  address: Schema.optionalKey(ConfirmedAddress),
  mobility: Schema.String,
  reason: Schema.String
})
/** The plan says to call next of kin / keyholders in order, each with a timeout, until one accepts. */
export const ContactCascadeStarted = Schema.Struct({
  type: Schema.Literal("contact_cascade_started"),
  ...eventBase,
  by: Actor,
  contacts: Schema.Array(CascadeContact),
  timeoutS: Schema.Int
})
export const ContactCalled = Schema.Struct({
  type: Schema.Literal("contact_called"),
  ...eventBase,
  position: Schema.Int,
  deadline: Instant
})
export const ContactAnswered = Schema.Struct({
  type: Schema.Literal("contact_answered"),
  ...eventBase,
  position: Schema.Int,
  accepted: Schema.Boolean,
  by: Actor
})
export const ContactCallTimedOut = Schema.Struct({
  type: Schema.Literal("contact_call_timed_out"),
  ...eventBase,
  position: Schema.Int
})
export const ContactCascadeEnded = Schema.Struct({
  type: Schema.Literal("contact_cascade_ended"),
  ...eventBase,
  outcome: Schema.Literals(["accepted", "exhausted", "cancelled"]),
  position: Schema.optionalKey(Schema.Int)
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
  StormUpdated,
  HandoverRequested,
  HandoverOffered,
  HandoverAccepted,
  HandoverRejected,
  HandoverTimedOut,
  HandoverReturned,
  ResponderEnRoute,
  ResponderOnSite,
  HandoverCompleted,
  HandoverCancelled,
  AgencyNotified,
  ContactCascadeStarted,
  ContactCalled,
  ContactAnswered,
  ContactCallTimedOut,
  ContactCascadeEnded
]).annotate({ identifier: "IncidentEvent" })
export type IncidentEvent = typeof IncidentEvent.Type
export type IncidentEventType = IncidentEvent["type"]

export const HandoverStage = Schema.Literals([
  "requested",
  "offered",
  "accepted",
  "en_route",
  "on_site",
  "completed",
  "returned",
  "cancelled"
]).annotate({ identifier: "HandoverStage" })
export type HandoverStage = typeof HandoverStage.Type
/** Stages in which dispatch still has work or a deadline runs. */
export const OpenHandoverStages: ReadonlyArray<HandoverStage> = ["requested", "offered", "accepted", "en_route", "on_site"]

/** The current call-out of an incident; a new request starts a new one (`no` + 1). */
export const Handover = Schema.Struct({
  no: Schema.Int,
  stage: HandoverStage,
  requestedBy: Actor,
  reason: Schema.String,
  address: ConfirmedAddress,
  /** Offers made so far in this handover; the current offer is number `offerNo`. */
  offerNo: Schema.Int,
  /** Teams that rejected or let an offer time out, in order. */
  tried: Schema.Array(Schema.String),
  team: Schema.optionalKey(TeamRef),
  responder: Schema.optionalKey(ResponderRef),
  criticalNotes: Schema.optionalKey(Schema.Array(Schema.String)),
  access: Schema.optionalKey(HandoverAccess),
  timeouts: Schema.optionalKey(HandoverTimeouts),
  eta: Schema.optionalKey(Instant),
  /** The running step and when it is overdue. */
  step: Schema.optionalKey(HandoverStep),
  deadline: Schema.optionalKey(Instant),
  onSite: Schema.optionalKey(Schema.Struct({ distanceM: Schema.Finite, atConfirmedAddress: Schema.Boolean })),
  outcome: Schema.optionalKey(Schema.String),
  /** Why the operator owns it again (timeout, no team left). */
  returnedReason: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Handover" })
export type Handover = typeof Handover.Type

export const ContactCascade = Schema.Struct({
  stage: Schema.Literals(["calling", "accepted", "exhausted", "cancelled"]),
  contacts: Schema.Array(CascadeContact),
  timeoutS: Schema.Int,
  /** Index into `contacts` of the contact being called, or of the next to call. */
  current: Schema.Int,
  calling: Schema.Boolean,
  deadline: Schema.optionalKey(Instant),
  acceptedBy: Schema.optionalKey(Schema.Int)
}).annotate({ identifier: "ContactCascade" })
export type ContactCascade = typeof ContactCascade.Type

/**
 * One device event of an incident as the queue shows it: what it was (`alarmType`, the label of
 * `alarmTypeOf`: "safety_alarm:pendant", "technical:low_battery"), how triage judged it, which
 * device sent it, its sender's id and when it joined the incident.
 */
export const IncidentSignal = Schema.Struct({
  alarmType: Schema.String,
  category: IncidentCategory,
  priority: Priority,
  deviceId: Schema.String,
  /** The sender's id of the device event (with the tenant and `deviceId`, its identity). */
  eventId: Schema.String,
  at: Instant
}).annotate({ identifier: "IncidentSignal" })
export type IncidentSignal = typeof IncidentSignal.Type

/** Device events of one alarm type from one device within an incident: how many, the most urgent judgement, the latest. */
export const IncidentSignalSummary = Schema.Struct({
  alarmType: Schema.String,
  category: IncidentCategory,
  /** The most urgent priority triage gave any of them. */
  priority: Priority,
  deviceId: Schema.String,
  count: Schema.Int,
  /** When the latest of them joined the incident. */
  lastAt: Instant
}).annotate({ identifier: "IncidentSignalSummary" })
export type IncidentSignalSummary = typeof IncidentSignalSummary.Type

export const IncidentState = Schema.Struct({
  incidentId: IncidentId,
  tenant: TenantId,
  residentId: ResidentId,
  status: IncidentStatus,
  priority: Priority,
  /** The headline's category (see `headline`); in records stored before headlines, the opening event's. */
  category: IncidentCategory,
  owner: Owner,
  openedAt: Instant,
  claimedAt: Schema.optionalKey(Instant),
  claimedBy: Schema.optionalKey(Actor),
  endedAt: Schema.optionalKey(Instant),
  lastEventAt: Instant,
  /** The headline's alarm type (see `headline`); in records stored before headlines, the opening event's. */
  alarmType: Schema.String,
  /**
   * The incident's most urgent device event: what the queue, the timeline, reports and the FHIR Flag
   * name it by. It changes only when a device event that triage judged strictly more urgent joins, so
   * of equally urgent events the first keeps it. `priority` is that event's own; the incident's may be
   * higher (repeated alarms). Absent in records stored before headlines.
   */
  headline: Schema.optionalKey(IncidentSignal),
  /**
   * Every kind of device event the incident holds, one entry per alarm type and device, most recently
   * joined last (bounded, see `SignalMemory` in @wt/incident): what joined it, shown beneath the headline.
   * Absent in records stored before headlines.
   */
  signals: Schema.optionalKey(Schema.Array(IncidentSignalSummary)),
  /**
   * The categories triage gave any of its device events (at most one of each). The engine resolves or
   * merges an incident on its own only when every one is technical, whatever heads it. Absent in
   * records stored before headlines: then `category` alone tells.
   */
  categories: Schema.optionalKey(Schema.Array(IncidentCategory)),
  deviceEventCount: Schema.Int,
  /**
   * The identities (`deviceEventKey`: tenant, device, sender's id) of the most recent device
   * events, newest last (bounded), to recognise a redelivery. Absent in records stored before
   * identities included the tenant and the device.
   */
  recentDeviceEventKeys: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Number of incident events so far; the next event is version + 1. */
  version: Schema.Int,
  /** Repeated care alarms: closing needs a second person's confirmation. */
  repeated: Schema.optionalKey(Schema.Boolean),
  escalationLevel: Schema.optionalKey(Schema.Int),
  resolvedBy: Schema.optionalKey(Actor),
  mergedInto: Schema.optionalKey(IncidentId),
  /** Technical faults still open, as `<deviceId>:<fault>`; a restore removes its fault. */
  openFaults: Schema.optionalKey(Schema.Array(Schema.String)),
  /**
   * A supervision storm: how many devices it has held, and how many have not come back. Which
   * devices those are is in its storm_updated events, not here: with 100,000 devices down the
   * list was 1.5 MB, written again with every batch and read by every consumer of WT_INCIDENT.
   */
  storm: Schema.optionalKey(Schema.Struct({ devices: Schema.Int, stillDown: Schema.Int })),
  /** A triage decision asked for the fire service: it is alerted before any home-care offer. */
  fireService: Schema.optionalKey(Schema.Boolean),
  /** Outside agencies alerted so far. */
  agencies: Schema.optionalKey(Schema.Array(Agency)),
  handover: Schema.optionalKey(Handover),
  cascade: Schema.optionalKey(ContactCascade)
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
  windowHours: Schema.Finite,
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
  /**
   * The incident version the sender's list of devices down was read at. The state holds only
   * counts, so the sender works out which losses are new and which returns were down; the
   * decider refuses a batch worked out on an older version (another writer came between).
   */
  basedOnVersion: Schema.Int,
  /** Devices that lost supervision and were not down: each joins the storm. */
  lost: Schema.Array(Schema.String),
  /** Devices heard from again that were down (or lost in this same batch). */
  restored: Schema.Array(Schema.String)
})
export const CloseIncident = Schema.Struct({ type: Schema.Literal("close"), ...commandBase, by: Actor })
export const MergeIncident = Schema.Struct({ type: Schema.Literal("merge"), ...commandBase, by: Actor, into: IncidentId })

export const RequestHandover = Schema.Struct({
  type: Schema.Literal("request_handover"),
  ...commandBase,
  by: Actor,
  reason: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1000)),
  address: ConfirmedAddress
})
export const OfferHandover = Schema.Struct({
  type: Schema.Literal("offer_handover"),
  ...commandBase,
  /** The offer this is; accepted only if it is the next one, so copies of dispatch never offer twice. */
  offerNo: Schema.Int,
  team: TeamRef,
  criticalNotes: Schema.Array(Schema.String),
  access: HandoverAccess,
  timeouts: HandoverTimeouts
})
export const AcceptHandover = Schema.Struct({
  type: Schema.Literal("accept_handover"),
  ...commandBase,
  offerNo: Schema.Int,
  responder: ResponderRef,
  eta: Instant
})
export const RejectHandover = Schema.Struct({
  type: Schema.Literal("reject_handover"),
  ...commandBase,
  offerNo: Schema.Int,
  responder: ResponderRef,
  reason: Schema.String
})
export const TimeOutHandover = Schema.Struct({
  type: Schema.Literal("time_out_handover"),
  ...commandBase,
  step: HandoverStep,
  offerNo: Schema.Int
})
export const ReturnHandover = Schema.Struct({ type: Schema.Literal("return_handover"), ...commandBase, reason: Schema.String })
export const ReportEnRoute = Schema.Struct({ type: Schema.Literal("report_en_route"), ...commandBase, responder: ResponderRef })
export const ReportOnSite = Schema.Struct({
  type: Schema.Literal("report_on_site"),
  ...commandBase,
  responder: ResponderRef,
  position: Position,
  /** How far from the confirmed address still counts as there. */
  radiusM: Schema.Finite
})
export const CompleteHandover = Schema.Struct({
  type: Schema.Literal("complete_handover"),
  ...commandBase,
  responder: ResponderRef,
  outcome: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(4000))
})
export const CancelHandover = Schema.Struct({ type: Schema.Literal("cancel_handover"), ...commandBase, by: Actor, reason: Schema.String })
export const NotifyAgency = Schema.Struct({
  type: Schema.Literal("notify_agency"),
  ...commandBase,
  agency: Agency,
  channel: Schema.String,
  address: Schema.optionalKey(ConfirmedAddress),
  mobility: Schema.String,
  reason: Schema.String
})
export const StartContactCascade = Schema.Struct({
  type: Schema.Literal("start_contact_cascade"),
  ...commandBase,
  by: Actor,
  contacts: Schema.Array(CascadeContact),
  timeoutS: Schema.Int
})
export const CallNextContact = Schema.Struct({ type: Schema.Literal("call_next_contact"), ...commandBase, position: Schema.Int })
export const AnswerContact = Schema.Struct({ type: Schema.Literal("answer_contact"), ...commandBase, position: Schema.Int, accepted: Schema.Boolean, by: Actor })
export const TimeOutContact = Schema.Struct({ type: Schema.Literal("time_out_contact"), ...commandBase, position: Schema.Int })
export const EndContactCascade = Schema.Struct({
  type: Schema.Literal("end_contact_cascade"),
  ...commandBase,
  outcome: Schema.Literals(["exhausted", "cancelled"])
})

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
  UpdateStorm,
  RequestHandover,
  OfferHandover,
  AcceptHandover,
  RejectHandover,
  TimeOutHandover,
  ReturnHandover,
  ReportEnRoute,
  ReportOnSite,
  CompleteHandover,
  CancelHandover,
  NotifyAgency,
  StartContactCascade,
  CallNextContact,
  AnswerContact,
  TimeOutContact,
  EndContactCascade
]).annotate({ identifier: "IncidentCommand" })
export type IncidentCommand = typeof IncidentCommand.Type
