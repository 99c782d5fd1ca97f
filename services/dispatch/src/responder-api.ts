import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Position } from "@wt/contracts"
import { declareServerAnswers } from "@wt/service-runtime"
import {
  AcceptedWithCode,
  AcceptRequest,
  AnswerRequest,
  CascadeAnswered,
  CompleteRequest,
  ContactCalls,
  EmptyRequest,
  MemberOffers,
  OfferView,
  RejectRequest,
  ResponderIdentityView,
  ResponderIncidentId,
  StepDone,
  Unlocked
} from "./responder-contract.ts"
import { AcceptedNotReleased, ResponderConflict, ResponderNotFound } from "./responder-errors.ts"
import { IncidentIdCheck, NextOfKinToken, ResponderToken, TeamMemberToken } from "./responder-middleware.ts"

const byId = { id: ResponderIncidentId }
const refusals = [ResponderNotFound, ResponderConflict] as const

/** What each step answers: the call-out as it now stands, or `{ok: true}` when the incident has none. */
const stepAnswer = Schema.Union([OfferView, StepDone])

/** A POST endpoint without middleware yet, its types kept. */
type Post<Id extends string, Path extends string, Params extends Schema.Top, Payload extends Schema.Top, Success extends Schema.Top, Error extends Schema.Top> =
  HttpApiEndpoint.HttpApiEndpoint<Id, "POST", Path, Params, never, Payload, never, Success, Error>

/**
 * A step on one incident by a team member's device, or by a next of kin's. Of an endpoint's
 * middleware the one added last runs first: the device token (401, then 403 for the other kind of
 * device), then the incident id (400); a handler then reads its body (responder-body.ts, 400).
 */
const teamMemberStep = <Id extends string, Path extends string, Params extends Schema.Top, Payload extends Schema.Top, Success extends Schema.Top, Error extends Schema.Top>(
  endpoint: Post<Id, Path, Params, Payload, Success, Error>
) => endpoint.middleware(IncidentIdCheck).middleware(TeamMemberToken)
const nextOfKinStep = <Id extends string, Path extends string, Params extends Schema.Top, Payload extends Schema.Top, Success extends Schema.Top, Error extends Schema.Top>(
  endpoint: Post<Id, Path, Params, Payload, Success, Error>
) => endpoint.middleware(IncidentIdCheck).middleware(NextOfKinToken)

export class ResponderRoutes extends HttpApiGroup.make("responder", { topLevel: true })
  .add(
    HttpApiEndpoint.get("me", "/v1/responder/me", { success: ResponderIdentityView })
      .middleware(ResponderToken)
      .annotate(OpenApi.Description, "Who the token belongs to: a team member (tenant, member, team) or a next of kin (tenant, resident, position in the cascade)."),
    HttpApiEndpoint.get("offers", "/v1/responder/offers", { success: Schema.Union([MemberOffers, ContactCalls]) })
      .middleware(ResponderToken)
      .annotate(OpenApi.Description, "A team member's device: `offers` open to its team and the call-outs it holds (`assigned`). A next of kin's device: its cascade `calls`."),
    teamMemberStep(HttpApiEndpoint.post("accept", "/v1/responder/incidents/:id/accept", {
      params: byId,
      payload: AcceptRequest,
      success: Schema.Union([AcceptedWithCode, OfferView, StepDone]),
      error: [...refusals, AcceptedNotReleased]
    })).annotate(
      OpenApi.Description,
      "Take the offer numbered `offerNo`. A responder who then holds the call-out of a resident with a key safe gets `access.code` (each release audited); 503 when the release cannot be audited yet (send accept again). 409 when the offer is no longer open, is another team's, or the call-out is over."
    ),
    teamMemberStep(HttpApiEndpoint.post("reject", "/v1/responder/incidents/:id/reject", { params: byId, payload: RejectRequest, success: stepAnswer, error: refusals }))
      .annotate(OpenApi.Description, "Decline the offer; the next team gets it."),
    teamMemberStep(HttpApiEndpoint.post("enRoute", "/v1/responder/incidents/:id/en-route", { params: byId, payload: EmptyRequest, success: stepAnswer, error: refusals }))
      .annotate(OpenApi.Description, "On the way. The body may be left out."),
    teamMemberStep(HttpApiEndpoint.post("onSite", "/v1/responder/incidents/:id/on-site", { params: byId, payload: Position, success: stepAnswer, error: refusals }))
      .annotate(OpenApi.Description, "Arrived, with the phone's position; the answer's `onSite.atConfirmedAddress` says whether that is at the confirmed address."),
    teamMemberStep(HttpApiEndpoint.post("complete", "/v1/responder/incidents/:id/complete", { params: byId, payload: CompleteRequest, success: stepAnswer, error: refusals })),
    teamMemberStep(HttpApiEndpoint.post("unlock", "/v1/responder/incidents/:id/unlock", { params: byId, success: Unlocked }))
      .annotate(OpenApi.Description, "Open the resident's e-lock under the caller's live grant for this call-out (403 without one). The body is not read."),
    nextOfKinStep(HttpApiEndpoint.post("answer", "/v1/responder/incidents/:id/answer", { params: byId, payload: AnswerRequest, success: CascadeAnswered, error: refusals }))
      .annotate(OpenApi.Description, "A next of kin's device answers the cascade call it is being made (`accepted`: coming, or not).")
  )
{}

/** Reads without a body may send none: en-route's body is optional (a missing body reads as `{}`). */
const optionalBodies = (spec: Record<string, any>) => {
  const operation = spec.paths?.["/v1/responder/incidents/{id}/en-route"]?.post
  if (operation?.requestBody !== undefined) operation.requestBody = { ...operation.requestBody, required: false }
  return spec
}

/**
 * The responder API for responders' phones, on dispatch's own port; served by responder-http.ts
 * with its OpenAPI document at `GET /openapi.json`.
 */
export class ResponderApi extends HttpApi.make("responder")
  .add(ResponderRoutes)
  .annotateMerge(OpenApi.annotations({
    title: "Welfare-technology response centre — responder API",
    description:
      "For responders' phones, on dispatch's own port (WT_DISPATCH_PORT). Every request carries `Authorization: Bearer <token>` of its device (see docs/responders.md). " +
      "A body the API cannot read is answered 400 and kept in WT_DLQ with its bytes; a property a request's schema does not name is refused.",
    // The server's own answers (an over-long path parameter, a body over 64 KiB) are declared too.
    transform: (spec) => declareServerAnswers(optionalBodies(spec), { bodyLimit: true })
  }))
{}
