import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Authentication, JsonOnly } from "./api-middleware.ts"
import { RecordId } from "./record-id-api.ts"
import { Forbidden, RecordNotFound } from "./api-errors.ts"

export const SessionsEnded = Schema.Struct({
  userId: Schema.String,
  /** Sessions that were open and are now ended. */
  sessionsEnded: Schema.Int
}).annotate({ identifier: "SessionsEnded" })

export const SignInLockLifted = Schema.Struct({
  userId: Schema.String,
  /** Whether a lock or delay was in force. */
  lifted: Schema.Boolean
}).annotate({ identifier: "SignInLockLifted" })

const byUser = { id: RecordId }

/**
 * Ending sessions beyond the one at hand: a user's own "sign out everywhere", and an
 * administrator's for a user of their tenants (a lost phone, a shared password), and lifting a
 * user's sign-in lock. Each is an `authentication` audit entry.
 */
export class SessionControlApi extends HttpApiGroup.make("sessionControl")
  .add(
    HttpApiEndpoint.post("signOutEverywhere", "/session/sign-out-everywhere", { success: HttpApiSchema.NoContent }).annotate(
      OpenApi.Description,
      "Ends every session of the caller (this one too, and the cookie is cleared) and forgets the browsers they signed in from."
    ),
    HttpApiEndpoint.post("signUserOutEverywhere", "/admin/users/:id/sign-out-everywhere", {
      params: byUser,
      success: SessionsEnded,
      error: [Forbidden, RecordNotFound]
    }).annotate(
      OpenApi.Description,
      "Administrators: ends every session of a user of their tenants and forgets the browsers the user signed in from. The user's open live streams end within one session check."
    ),
    HttpApiEndpoint.post("liftSignInLock", "/admin/users/:id/lift-sign-in-lock", {
      params: byUser,
      success: SignInLockLifted,
      error: [Forbidden, RecordNotFound]
    }).annotate(
      OpenApi.Description,
      "Administrators: lifts the sign-in delay or lock on a user of their tenants (their user name, and the browsers they signed in from). A lock on a client address is not lifted: it ends by itself."
    )
  )
  .middleware(JsonOnly)
  .middleware(Authentication)
  .prefix("/api")
{}
