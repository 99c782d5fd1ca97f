import { Clock, Effect, Option, Redacted } from "effect"
import { HttpEffect, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { Registry, type User } from "@wt/registry"
import { ConsoleApi, CurrentSession, SessionCookie, SessionCookieName } from "./api.ts"
import { Unauthorized } from "./api-errors.ts"
import { isFromBrowser } from "./browser-request.ts"
import { ConsoleConfig } from "./config.ts"
import { KnownDeviceCookieName, KnownDevices } from "./known-devices.ts"
import { Sessions } from "./sessions.ts"
import { SignInAudit } from "./sign-in-audit.ts"
import { SignInThrottled } from "./sign-in-errors.ts"
import { SignInConfig } from "./sign-in-policy.ts"
import { type ThrottleScope, SignInThrottle } from "./sign-in-throttle.ts"
import { chooseLanguage, languageOf, type UserLanguage } from "./user-language.ts"

export const publicUser = (user: User, language: UserLanguage | undefined) => ({
  id: user.id,
  username: user.username,
  displayName: user.displayName,
  role: user.role,
  tenants: user.tenants,
  ...(language === undefined ? {} : { language })
})

/** The client's address as the connection (or, per `WT_TRUSTED_PROXIES`, a trusted proxy) gives it. */
export const clientAddress = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  Option.getOrUndefined(Option.map(request.remoteAddress, (a) => (a.toLowerCase().startsWith("::ffff:") ? a.slice(7) : a)))

const inWords = (ms: number) => {
  const s = Math.ceil(ms / 1000)
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} minutes`
}

const refusalMessage = (scope: ThrottleScope["scope"], locked: boolean, retryAfterMs: number, now: number) => {
  const until = new Date(now + retryAfterMs).toISOString().slice(11, 16)
  const what = scope === "user" ? "this user" : scope === "address" ? "this network address" : "this browser"
  if (!locked) return `too many failed sign-ins for ${what}: wait ${inWords(retryAfterMs)} before trying again`
  const way = scope === "device"
    ? "ask an administrator to lift the lock"
    : "sign in from a browser where you signed in before, or ask an administrator to lift the lock"
  return `sign-in for ${what} is locked after too many failed attempts, until ${until} UTC (${inWords(retryAfterMs)}); ${way}`
}

/**
 * Sign-in, the current session, sign-out. A sign-in is throttled per user name and per client
 * address (or, from a browser the user signed in from before, per that browser: a lock set by
 * someone else's guessing does not keep the owner out there), see sign-in-throttle.ts; every
 * attempt is in the audit trail and in `wt_console_sign_ins_total`.
 */
export const SessionHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "session",
  Effect.fn(function*(handlers) {
    const registry = yield* Registry
    const sessions = yield* Sessions
    const throttle = yield* SignInThrottle
    const devices = yield* KnownDevices
    const audit = yield* SignInAudit
    const config = yield* ConsoleConfig
    const policies = yield* SignInConfig
    const cookie = { path: "/", httpOnly: true, sameSite: "strict", secure: config.cookieSecure } as const
    // Sent only with sign-ins: nowhere else is it of use.
    const deviceCookie = { path: "/api/session", httpOnly: true, sameSite: "strict", secure: config.cookieSecure, maxAge: `${policies.knownDeviceMs} millis` } as const

    return handlers
      .handle("signIn", ({ payload }) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const address = clientAddress(request)
          const knownDevice = yield* devices.recognise(request.cookies[KnownDeviceCookieName], payload.username).pipe(Effect.orDie)
          const scopes: ReadonlyArray<ThrottleScope> = Option.match(knownDevice, {
            onSome: (hash) => [{ scope: "device", key: `device:${hash}`, policy: policies.knownDevice }],
            onNone: () => [
              { scope: "address", key: `address:${address ?? "unknown"}`, policy: policies.address },
              { scope: "user", key: `user:${audit.usernameMac(payload.username)}`, policy: policies.user }
            ]
          })
          const claim = yield* throttle.claim(scopes).pipe(Effect.orDie)
          if (!claim.allowed) {
            const retryAfterSeconds = Math.max(1, Math.ceil(claim.retryAfterMs / 1000))
            yield* Effect.logWarning("sign-in refused: throttled").pipe(Effect.annotateLogs({ scope: claim.scope, locked: claim.locked }))
            yield* audit.record(yield* audit.claimed(payload.username).pipe(Effect.orDie), {
              outcome: "refused",
              scope: claim.scope,
              locked: claim.locked,
              retryAfterSeconds,
              failures: claim.failures
            }, { address })
            yield* HttpEffect.appendPreResponseHandler((_request, response) =>
              Effect.succeed(HttpServerResponse.setHeader(response, "retry-after", String(retryAfterSeconds)))
            )
            return yield* new SignInThrottled({
              message: refusalMessage(claim.scope, claim.locked, claim.retryAfterMs, yield* Clock.currentTimeMillis),
              scope: claim.scope,
              locked: claim.locked,
              retryAfterSeconds
            })
          }
          const user = yield* registry.verifyPassword(payload.username, Redacted.make(payload.password)).pipe(Effect.orDie)
          if (Option.isNone(user)) {
            // The attempted username is not logged: it may be someone's mistyped password.
            yield* Effect.logWarning("sign-in refused")
            yield* audit.record(yield* audit.claimed(payload.username).pipe(Effect.orDie), { outcome: "failed", counted: claim.counted }, { address })
            return yield* new Unauthorized({ message: "wrong username or password" })
          }
          yield* throttle.succeeded(scopes).pipe(Effect.orDie)
          const token = yield* sessions.create(user.value).pipe(Effect.orDie)
          yield* HttpApiBuilder.securitySetCookie(SessionCookie, token, cookie)
          if (Option.isNone(knownDevice)) {
            const deviceToken = yield* devices.remember(user.value.id, policies.knownDeviceMs).pipe(Effect.orDie)
            yield* HttpEffect.appendPreResponseHandler((_request, response) =>
              Effect.orDie(HttpServerResponse.setCookie(response, KnownDeviceCookieName, deviceToken, deviceCookie))
            )
          }
          yield* audit.record({ known: true, user: user.value }, { outcome: "succeeded", user: user.value, knownDevice: Option.isSome(knownDevice) }, { address })
          yield* Effect.logInfo("signed in").pipe(Effect.annotateLogs({ userId: user.value.id, role: user.value.role }))
          const signedInUser = publicUser(user.value, yield* languageOf(user.value.id).pipe(Effect.orDie))
          // A browser gets the HttpOnly cookie only; other clients also the token, for Authorization: Bearer.
          return isFromBrowser(request.headers) ? { user: signedInUser } : { token, user: signedInUser }
        }))
      .handle("current", () => Effect.map(CurrentSession, ({ user, language }) => publicUser(user, language)))
      .handle("chooseLanguage", ({ payload }) =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          yield* chooseLanguage(user.id, payload.language).pipe(Effect.orDie)
          return publicUser(user, payload.language)
        }))
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
