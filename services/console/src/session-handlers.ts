import { Effect, Option, Redacted } from "effect"
import { HttpEffect, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { Registry, type User } from "@wt/registry"
import { ConsoleApi, CurrentSession, SessionCookie, SessionCookieName } from "./api.ts"
import { Unauthorized } from "./api-errors.ts"
import { isFromBrowser } from "./browser-request.ts"
import { ConsoleConfig } from "./config.ts"
import { Sessions } from "./sessions.ts"

const publicUser = (user: User) => ({
  id: user.id,
  username: user.username,
  displayName: user.displayName,
  role: user.role,
  tenants: user.tenants
})

export const SessionHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "session",
  Effect.fn(function*(handlers) {
    const registry = yield* Registry
    const sessions = yield* Sessions
    const config = yield* ConsoleConfig
    const cookie = { path: "/", httpOnly: true, sameSite: "strict", secure: config.cookieSecure } as const

    return handlers
      .handle("signIn", ({ payload }) =>
        Effect.gen(function*() {
          const user = yield* registry.verifyPassword(payload.username, Redacted.make(payload.password)).pipe(Effect.orDie)
          if (Option.isNone(user)) {
            // The attempted username is not logged: it may be someone's mistyped password.
            yield* Effect.logWarning("sign-in refused")
            return yield* new Unauthorized({ message: "wrong username or password" })
          }
          const token = yield* sessions.create(user.value).pipe(Effect.orDie)
          yield* HttpApiBuilder.securitySetCookie(SessionCookie, token, cookie)
          yield* Effect.logInfo("signed in").pipe(Effect.annotateLogs({ userId: user.value.id, role: user.value.role }))
          // A browser gets the HttpOnly cookie only; other clients also the token, for Authorization: Bearer.
          const request = yield* HttpServerRequest.HttpServerRequest
          return isFromBrowser(request.headers) ? { user: publicUser(user.value) } : { token, user: publicUser(user.value) }
        }))
      .handle("current", () => Effect.map(CurrentSession, ({ user }) => publicUser(user)))
      .handle("signOut", () =>
        Effect.gen(function*() {
          const { tokenHash, user } = yield* CurrentSession
          yield* sessions.revoke(tokenHash).pipe(Effect.orDie)
          yield* HttpEffect.appendPreResponseHandler((_request, response) =>
            Effect.orDie(HttpServerResponse.expireCookie(response, SessionCookieName, cookie))
          )
          yield* Effect.logInfo("signed out").pipe(Effect.annotateLogs({ userId: user.id }))
        }))
  })
)
