import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { IncidentId } from "@wt/contracts"
import { IncidentNotFound } from "@wt/incident"
import { Authentication, JsonOnly } from "./api-middleware.ts"
import { RecordId } from "./record-id-api.ts"
import { Forbidden, RecordNotFound, ResidentNotFound } from "./api-errors.ts"

export const KeySafeCode = Schema.Struct({
  residentId: Schema.String,
  code: Schema.String
}).annotate({ identifier: "KeySafeCode" })

/** A key safe's code, revealed on an explicit request of its own; each reveal is an audit entry of its own. */
export class KeySafeApi extends HttpApiGroup.make("keySafe")
  .add(
    HttpApiEndpoint.post("reveal", "/residents/:id/key-safe-code", {
      params: { id: RecordId },
      query: { incident: Schema.optional(IncidentId) },
      success: KeySafeCode,
      error: [ResidentNotFound, IncidentNotFound, Forbidden, RecordNotFound]
    }).annotate(
      OpenApi.Description,
      "Reveals the resident's key-safe code, which the resident card never carries (it is stored sealed). Who may: as for the card (an operator for an active incident of this resident, named by `incident`; supervisors and admins also without). Audited before the code leaves (`record_view`, `data.revealed: \"key_safe_code\"`). 404 `RecordNotFound` when the resident has no key safe."
    )
  )
  .middleware(JsonOnly)
  .middleware(Authentication)
  .prefix("/api")
{}
