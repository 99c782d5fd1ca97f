import { Effect, Layer, Option, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { Authentication, CurrentSession, JsonOnly, SessionCookieName } from "./api.ts"
import { Unauthorized, UnsupportedMediaType } from "./api-errors.ts"
import { Sessions, type SignedIn } from "./sessions.ts"

const signInFirst = () => new Unauthorized({ message: "sign in first (POST /api/session)" })

/** Checks the presented session token; a database failure is a 500, not a 401. */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const sessions = yield* Sessions
    // Untraced: a span here would enclose the whole handler it wraps; Sessions.authenticate has its own.
    const check: Authentication["Service"]["bearer"] = Effect.fnUntraced(function*(httpEffect, { credential }) {
      const signedIn = yield* sessions.authenticate(Redacted.value(credential)).pipe(Effect.orDie)
      if (Option.isNone(signedIn)) return yield* signInFirst()
      return yield* Effect.provideService(httpEffect, CurrentSession, signedIn.value)
    })
    return Authentication.of({ cookie: check, bearer: check })
  })
)

const isJson = (contentType: string | undefined) =>
  contentType !== undefined && contentType.split(";")[0]!.trim().toLowerCase() === "application/json"

export const JsonOnlyLive = Layer.succeed(
  JsonOnly,
  JsonOnly.of((httpEffect) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (["POST", "PUT", "PATCH"].includes(request.method) && !isJson(request.headers["content-type"])) {
        return yield* new UnsupportedMediaType({ message: "send the request body as content-type: application/json" })
      }
      return yield* httpEffect
    })
  )
)

const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = authorization?.match(/^bearer +(\S+)\s*$/iu)
  return match?.[1]
}

/**
 * The session a plain route's request presents, by the same rules as `Authentication`:
 * the cookie, else the bearer token. Used where HttpApi middleware does not reach (the event stream).
 */
export const signedInFromRequest = Effect.fn("Console.signedInFromRequest")(function*(request: HttpServerRequest.HttpServerRequest) {
  const sessions = yield* Sessions
  for (const token of [request.cookies[SessionCookieName], bearerToken(request.headers.authorization)]) {
    if (token === undefined || token === "") continue
    const signedIn = yield* sessions.authenticate(token)
    if (Option.isSome(signedIn)) return signedIn
  }
  return Option.none<SignedIn>()
})
