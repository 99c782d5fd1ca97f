import { Schema } from "effect"
import { Actor, IncidentStatus } from "@wt/contracts"

export class IncidentNotFound extends Schema.TaggedError<IncidentNotFound>()("IncidentNotFound", {
  incidentId: Schema.String
}, { httpApiStatus: 404 }) {}

export class IncidentAlreadyExists extends Schema.TaggedError<IncidentAlreadyExists>()("IncidentAlreadyExists", {
  incidentId: Schema.String
}, { httpApiStatus: 409 }) {}

/** Another party already owns the incident; carries who, so the loser can be told. */
export class AlreadyClaimed extends Schema.TaggedError<AlreadyClaimed>()("AlreadyClaimed", {
  incidentId: Schema.String,
  claimedBy: Actor
}, { httpApiStatus: 409 }) {}

export class IncidentEnded extends Schema.TaggedError<IncidentEnded>()("IncidentEnded", {
  incidentId: Schema.String,
  status: IncidentStatus
}, { httpApiStatus: 409 }) {}

/** A command that needs the incident to be claimed by the acting person first. */
export class NotOwner extends Schema.TaggedError<NotOwner>()("NotOwner", {
  incidentId: Schema.String,
  message: Schema.String
}, { httpApiStatus: 409 }) {}

export type IncidentRejected =
  | IncidentNotFound
  | IncidentAlreadyExists
  | AlreadyClaimed
  | IncidentEnded
  | NotOwner
  | HandoverConflict
  | StormViewStale

/** A handover or contact-cascade command that does not fit the step the call-out is at. */
export class HandoverConflict extends Schema.TaggedError<HandoverConflict>()("HandoverConflict", {
  incidentId: Schema.String,
  message: Schema.String
}, { httpApiStatus: 409 }) {}

/**
 * A storm batch worked out on a version of the incident other than the stored one: another
 * writer changed the storm meanwhile. The sender reads the newer events and works it out again.
 */
export class StormViewStale extends Schema.TaggedError<StormViewStale>()("StormViewStale", {
  incidentId: Schema.String,
  version: Schema.Int,
  basedOnVersion: Schema.Int
}, { httpApiStatus: 409 }) {}
