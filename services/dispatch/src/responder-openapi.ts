import { Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, HttpApiSecurity, HttpApiMiddleware, OpenApi } from "effect/http-api"
import { Position } from "@wt/contracts"
import { declareServerAnswers } from "@wt/service-runtime"
import {
  AcceptedNotReleased,
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
  ResponderError,
  ResponderIdentityView,
  ResponderIncidentId,
  StepDone,
  Unlocked
} from "./responder-contract.ts"

// The responder API is plain routes (responder-api.ts); this HttpApi only describes them, so that
// its OpenAPI document is generated from the same Schemas the routes decode and answer with.

// One refusal body, `{error, stage?}`, under a name per status.
const refusal = (status: number, identifier: string, description: string) =>
  ResponderError.pipe(HttpApiSchema.status(status)).annotate({ identifier, description })

const Invalid = refusal(400, "ResponderInvalidRequest", "Bad incident id, or a body that is not JSON or does not fit (a missing, wrong or unknown field)")
const NoToken = refusal(401, "ResponderUnauthorized", "No valid responder device token")
const NotYours = refusal(403, "ResponderForbidden", "The device's holder may not do this (a next of kin's device on a team member's route, or the other way round; no e-lock grant)")
const NotFound = refusal(404, "ResponderNotFound", "No such incident for this device")
const Conflict = refusal(409, "ResponderConflict", "The call-out or cascade is not in a state where this step applies (no longer offered, held by another, over)")

/** `Authorization: Bearer rsp_…`, one token per device. */
class ResponderToken extends HttpApiMiddleware.Service<ResponderToken>()("wt/dispatch/ResponderToken", {
  security: { bearer: HttpApiSecurity.bearer },
  error: NoToken
}) {}

const byId = { id: ResponderIncidentId }
const member = [Invalid, NotYours, NotFound, Conflict] as const

/** What each step answers: the call-out as it now stands, or `{ok: true}` when the incident has none. */
const stepAnswer = Schema.Union([OfferView, StepDone])

class ResponderRoutesDoc extends HttpApiGroup.make("responder", { topLevel: true })
  .add(
    HttpApiEndpoint.get("me", "/v1/responder/me", { success: ResponderIdentityView })
      .annotate(OpenApi.Description, "Who the token belongs to: a team member (tenant, member, team) or a next of kin (tenant, resident, position in the cascade)."),
    HttpApiEndpoint.get("offers", "/v1/responder/offers", { success: Schema.Union([MemberOffers, ContactCalls]) })
      .annotate(OpenApi.Description, "A team member's device: `offers` open to its team and the call-outs it holds (`assigned`). A next of kin's device: its cascade `calls`."),
    HttpApiEndpoint.post("accept", "/v1/responder/incidents/:id/accept", {
      params: byId,
      payload: AcceptRequest,
      success: Schema.Union([AcceptedWithCode, OfferView, StepDone]),
      error: [...member, AcceptedNotReleased.pipe(HttpApiSchema.status(503))]
    }).annotate(
      OpenApi.Description,
      "Take the offer numbered `offerNo`. A responder who then holds the call-out of a resident with a key safe gets `access.code` (each release audited); 503 when the release cannot be audited yet (send accept again). 409 when the offer is no longer open, is another team's, or the call-out is over."
    ),
    HttpApiEndpoint.post("reject", "/v1/responder/incidents/:id/reject", { params: byId, payload: RejectRequest, success: stepAnswer, error: member })
      .annotate(OpenApi.Description, "Decline the offer; the next team gets it."),
    HttpApiEndpoint.post("enRoute", "/v1/responder/incidents/:id/en-route", { params: byId, payload: EmptyRequest, success: stepAnswer, error: member })
      .annotate(OpenApi.Description, "On the way. The body may be left out."),
    HttpApiEndpoint.post("onSite", "/v1/responder/incidents/:id/on-site", { params: byId, payload: Position, success: stepAnswer, error: member })
      .annotate(OpenApi.Description, "Arrived, with the phone's position; the answer's `onSite.atConfirmedAddress` says whether that is at the confirmed address."),
    HttpApiEndpoint.post("complete", "/v1/responder/incidents/:id/complete", { params: byId, payload: CompleteRequest, success: stepAnswer, error: member }),
    HttpApiEndpoint.post("unlock", "/v1/responder/incidents/:id/unlock", { params: byId, success: Unlocked, error: [Invalid, NotYours] })
      .annotate(OpenApi.Description, "Open the resident's e-lock under the caller's live grant for this call-out (403 without one). The body is not read."),
    HttpApiEndpoint.post("answer", "/v1/responder/incidents/:id/answer", { params: byId, payload: AnswerRequest, success: CascadeAnswered, error: member })
      .annotate(OpenApi.Description, "A next of kin's device answers the cascade call it is being made (`accepted`: coming, or not).")
  )
  .middleware(ResponderToken)
{}

/** Reads without a body may send none: en-route's body is optional (the route reads a missing body as `{}`). */
const optionalBodies = (spec: Record<string, any>) => {
  const operation = spec.paths?.["/v1/responder/incidents/{id}/en-route"]?.post
  if (operation?.requestBody !== undefined) operation.requestBody = { ...operation.requestBody, required: false }
  return spec
}

export class ResponderApiDoc extends HttpApi.make("responder")
  .add(ResponderRoutesDoc)
  .annotateMerge(OpenApi.annotations({
    title: "Welfare-technology response centre — responder API",
    description:
      "For responders' phones, on dispatch's own port (WT_DISPATCH_PORT). Every request carries `Authorization: Bearer <token>` of its device (see docs/responders.md). " +
      "A body the API cannot read is answered 400 and kept in WT_DLQ with its bytes; a property a request's schema does not name is refused.",
    // The server's own answers (an over-long path parameter, a body over 64 KiB) are declared too.
    transform: (spec) => declareServerAnswers(optionalBodies(spec), { bodyLimit: true })
  }))
{}

/** The document, generated once. */
export const responderOpenApi = OpenApi.fromApi(ResponderApiDoc)

/** `GET /openapi.json` on dispatch's port. */
export const ResponderOpenApiRoute = HttpRouter.add("GET", "/openapi.json", HttpServerResponse.jsonUnsafe(responderOpenApi))
