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
