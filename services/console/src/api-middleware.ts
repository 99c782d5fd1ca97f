import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { InvalidRequest, Unauthorized, UnsupportedMediaType } from "./api-errors.ts"
import type { SignedIn } from "./sessions.ts"

export const SessionCookieName = "wt_session"

/** The session cookie; HttpOnly, so page scripts never see the token. */
export const SessionCookie = HttpApiSecurity.apiKey({ key: SessionCookieName, in: "cookie" })

/** Who is calling, put in place by `Authentication` for every handler behind it. */
export class CurrentSession extends Context.Service<CurrentSession, SignedIn>()("wt/console/CurrentSession") {}

/** The session cookie or `Authorization: Bearer <token>`, whichever is presented and valid. */
export class Authentication extends HttpApiMiddleware.Service<Authentication, { provides: CurrentSession }>()(
  "wt/console/Authentication",
  { security: { cookie: SessionCookie, bearer: HttpApiSecurity.bearer }, error: Unauthorized }
) {}

/**
 * CSRF defence, together with `SameSite=Strict` on the session cookie: a cross-site form
 * can only POST `text/plain`, urlencoded or multipart bodies, and setting
 * `content-type: application/json` from another origin needs a CORS preflight this
 * server never grants. So every POST (and PUT) must say it is JSON.
 */
export class JsonOnly extends HttpApiMiddleware.Service<JsonOnly>()("wt/console/JsonOnly", {
  error: UnsupportedMediaType
}) {}

/**
 * Answers a request whose path, query or body does not fit its route's schema with 400 and an
 * `InvalidRequest` body naming the problem (HttpApi's own answer is a 400 with an empty body).
 * `validatingRequests` puts it on every endpoint that takes input, and only there, so the
 * OpenAPI document declares the 400 exactly where it can happen.
 */
export class RequestValidation extends HttpApiMiddleware.Service<RequestValidation>()("wt/console/RequestValidation", {
  error: InvalidRequest
}) {}
