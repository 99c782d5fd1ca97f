import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import type { ResponderIdentity } from "./directory.ts"
import { ResponderForbidden, ResponderInvalidRequest, ResponderUnauthorized } from "./responder-errors.ts"

// The responder API's middleware, declared apart from the API so that the endpoints and their
// implementations (responder-authentication.ts) both import it without importing each other.

export type TeamMemberDevice = Extract<ResponderIdentity, { readonly kind: "member" }>
export type NextOfKinDevice = Extract<ResponderIdentity, { readonly kind: "contact" }>

/** Whose device is calling, put in place by `ResponderToken`. */
export class CurrentDevice extends Context.Service<CurrentDevice, ResponderIdentity>()("wt/dispatch/CurrentDevice") {}
/** The team member whose device is calling, put in place by `TeamMemberToken`. */
export class CurrentTeamMember extends Context.Service<CurrentTeamMember, TeamMemberDevice>()("wt/dispatch/CurrentTeamMember") {}
/** The next of kin whose device is calling, put in place by `NextOfKinToken`. */
export class CurrentNextOfKin extends Context.Service<CurrentNextOfKin, NextOfKinDevice>()("wt/dispatch/CurrentNextOfKin") {}

/** `Authorization: Bearer rsp_…`, one token per device (only its sha256 is stored): any device. */
export class ResponderToken extends HttpApiMiddleware.Service<ResponderToken, { provides: CurrentDevice }>()("wt/dispatch/ResponderToken", {
  security: { bearer: HttpApiSecurity.bearer },
  error: ResponderUnauthorized
}) {}

/** The device token of a team member: a next of kin's device is refused (403). */
export class TeamMemberToken extends HttpApiMiddleware.Service<TeamMemberToken, { provides: CurrentTeamMember }>()("wt/dispatch/TeamMemberToken", {
  security: { bearer: HttpApiSecurity.bearer },
  error: [ResponderUnauthorized, ResponderForbidden]
}) {}

/** The device token of a next of kin: a team member's device is refused (403). */
export class NextOfKinToken extends HttpApiMiddleware.Service<NextOfKinToken, { provides: CurrentNextOfKin }>()("wt/dispatch/NextOfKinToken", {
  security: { bearer: HttpApiSecurity.bearer },
  error: [ResponderUnauthorized, ResponderForbidden]
}) {}

/**
 * An incident id in the path that is no NATS subject token (it would make the incident's subject
 * invalid, a 500) is answered 400 "bad incident id"; HttpApi's own answer is a 400 with no body.
 */
export class IncidentIdCheck extends HttpApiMiddleware.Service<IncidentIdCheck>()("wt/dispatch/IncidentIdCheck", {
  error: ResponderInvalidRequest
}) {}
