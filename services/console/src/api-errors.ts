import { Schema } from "effect"
import { Actor } from "@wt/contracts"

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}, { httpApiStatus: 401 }) {}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  message: Schema.String
}, { httpApiStatus: 415 }) {}

export class InvalidStatusFilter extends Schema.TaggedError<InvalidStatusFilter>()("InvalidStatusFilter", {
  message: Schema.String
}, { httpApiStatus: 400 }) {}

/**
 * The answer to the loser of a claim race: who won, in words for the operator
 * (`message`) and as data (`claimedBy`).
 */
export class AlreadyClaimed extends Schema.TaggedError<AlreadyClaimed>()("AlreadyClaimed", {
  incidentId: Schema.String,
  message: Schema.String,
  claimedBy: Actor
}, { httpApiStatus: 409 }) {}

export class ResidentNotFound extends Schema.TaggedError<ResidentNotFound>()("ResidentNotFound", {
  residentId: Schema.String
}, { httpApiStatus: 404 }) {}

/** Signed in, but the role may not do this (an operator changing the registry). */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}, { httpApiStatus: 403 }) {}

/** A registry record that is not in any of the caller's tenants, or does not exist. */
export class RecordNotFound extends Schema.TaggedError<RecordNotFound>()("RecordNotFound", {
  kind: Schema.String,
  id: Schema.String
}, { httpApiStatus: 404 }) {}

/** A registry change that is well-formed but inconsistent (a sensor without its kind, a plan that does not exist …). */
export class InvalidRegistryChange extends Schema.TaggedError<InvalidRegistryChange>()("InvalidRegistryChange", {
  message: Schema.String
}, { httpApiStatus: 400 }) {}

export class UsernameInUse extends Schema.TaggedError<UsernameInUse>()("UsernameInUse", {
  message: Schema.String
}, { httpApiStatus: 409 }) {}

/** One thing wrong with a request: where (`path`: the part, then the keys down to the value) and why. */
export const RequestIssue = Schema.Struct({
  path: Schema.Array(Schema.Union([Schema.String, Schema.Int])),
  message: Schema.String
}).annotate({ identifier: "RequestIssue" })

/**
 * A request the API could not read: a path parameter, query parameter or body that does not fit
 * the route's schema (malformed JSON, a wrong type, a missing or unknown field, a value out of
 * range). `message` names the first problem; `issues` lists each (at most 20).
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  issues: Schema.Array(RequestIssue)
}, { httpApiStatus: 400 }) {}
