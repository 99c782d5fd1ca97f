import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { ConfirmedAddress, IncidentId, IncidentState } from "@wt/contracts"
import { HandoverConflict, IncidentEnded, IncidentNotFound, NotOwner } from "@wt/incident"
import { IncidentContended } from "@wt/incident-store"

export const DispatchRequest = Schema.Struct({
  /** The address the operator confirmed with the resident or caller; arrival is checked against it. */
  address: ConfirmedAddress,
  reason: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1000))
}).annotate({ identifier: "DispatchRequest" })

export const CancelHandoverRequest = Schema.Struct({
  reason: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1000))
}).annotate({ identifier: "CancelHandoverRequest" })

export const ContactAnswerRequest = Schema.Struct({
  /** The contact's place in the calling order (1 = first). */
  position: Schema.Int,
  accepted: Schema.Boolean
}).annotate({ identifier: "ContactAnswerRequest" })

const byId = { id: IncidentId }
const errors = [IncidentNotFound, IncidentEnded, NotOwner, HandoverConflict, IncidentContended] as const

/**
 * The operator's side of the handover: request a call-out to a confirmed address, cancel it,
 * record a next of kin's answer taken by phone. Authentication and the JSON-only rule are
 * applied where the group joins the console API.
 */
export class HandoverApi extends HttpApiGroup.make("handover")
  .add(
    HttpApiEndpoint.post("dispatch", "/incidents/:id/dispatch", { params: byId, payload: DispatchRequest, success: IncidentState, error: errors })
      .annotate(
        OpenApi.Description,
        "Ask dispatch for a call-out to the address the operator confirmed (claim the incident first). Dispatch offers it to the team on duty for that address, with the critical health notes and key or e-lock access; each step has a deadline from the response plan."
      ),
    HttpApiEndpoint.post("cancelDispatch", "/incidents/:id/dispatch/cancel", { params: byId, payload: CancelHandoverRequest, success: IncidentState, error: errors }),
    HttpApiEndpoint.post("contactAnswer", "/incidents/:id/cascade/answer", { params: byId, payload: ContactAnswerRequest, success: IncidentState, error: errors })
  )
  .prefix("/api")
{}
