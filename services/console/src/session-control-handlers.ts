import { Effect, Option } from "effect"
import { HttpEffect, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { RegistryAdmin, type User } from "@wt/registry"
import { ConsoleApi, CurrentSession, SessionCookieName } from "./api.ts"
import { administrator, notFound } from "./admin-access.ts"
import { ConsoleConfig } from "./config.ts"
import { KnownDevices } from "./known-devices.ts"
import { Sessions } from "./sessions.ts"
import { SignInAudit } from "./sign-in-audit.ts"
import { SignInThrottle } from "./sign-in-throttle.ts"

/** Sign-out everywhere (the user themself, or an administrator) and lifting a sign-in lock; see session-control-api.ts. */
export const SessionControlHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "sessionControl",
  Effect.fn(function*(handlers) {
    const sessions = yield* Sessions
    const devices = yield* KnownDevices
    const throttle = yield* SignInThrottle
    const audit = yield* SignInAudit
    const admin = yield* RegistryAdmin
    const sql = yield* SqlClient.SqlClient
    const config = yield* ConsoleConfig
    const cookie = { path: "/", httpOnly: true, sameSite: "strict", secure: config.cookieSecure } as const

    const endEverywhere = Effect.fn("Console.signOutEverywhere")(function*(by: User, subject: User) {
      const ended = yield* sessions.revokeAll(subject.id).pipe(Effect.orDie)
      yield* devices.forgetAll(subject.id).pipe(Effect.orDie)
      yield* audit.recordAct(by, subject, "signed_out_everywhere", { sessionsEnded: ended })
      yield* Effect.logInfo("signed out everywhere").pipe(Effect.annotateLogs({ userId: subject.id, by: by.id, sessionsEnded: ended }))
      return ended
    })

    /** A user of the administrator's tenants (sharing one of them), else 404. */
    const staffOf = Effect.fn("Console.staffUser")(function*(by: User, userId: string) {
      const subject = yield* admin.user(userId).pipe(Effect.orDie)
      if (Option.isNone(subject) || !subject.value.tenants.some((t) => by.tenants.includes(t))) return yield* notFound("user", userId)
      return subject.value
    })

    return handlers
      .handle("signOutEverywhere", () =>
        Effect.gen(function*() {
          const { user } = yield* CurrentSession
          yield* endEverywhere(user, user)
          yield* HttpEffect.appendPreResponseHandler((_request, response) =>
            Effect.orDie(HttpServerResponse.expireCookie(response, SessionCookieName, cookie))
          )
        }))
      .handle("signUserOutEverywhere", ({ params }) =>
        Effect.gen(function*() {
          const by = yield* administrator
          const subject = yield* staffOf(by, params.id)
          return { userId: subject.id, sessionsEnded: yield* endEverywhere(by, subject) }
        }))
      .handle("liftSignInLock", ({ params }) =>
        Effect.gen(function*() {
          const by = yield* administrator
          const subject = yield* staffOf(by, params.id)
          const known = yield* sql<{ token_hash: string }>`SELECT token_hash FROM sign_in_devices WHERE user_id = ${subject.id}`.pipe(Effect.orDie)
          const lifted = yield* throttle.lift([`user:${audit.usernameMac(subject.username)}`, ...known.map((d) => `device:${d.token_hash}`)]).pipe(Effect.orDie)
          yield* audit.recordAct(by, subject, "lock_lifted", { lifted })
          return { userId: subject.id, lifted }
        }))
  })
)
