import { randomBytes } from "node:crypto"
import { Context, Effect, Layer, Option } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { hashSessionToken } from "./sessions.ts"

/** The cookie that tells a browser the user signed in from before (OWASP's "device cookie"). */
export const KnownDeviceCookieName = "wt_device"

const tokenShape = /^[A-Za-z0-9_-]{43}$/u

/**
 * Browsers a user has signed in from, so that a lock someone else's guessing set on the user's
 * name (or on a shared address) does not keep the owner out at their own workstation: an
 * attempt carrying such a browser's cookie, for that user, is counted against that browser
 * alone. The cookie proves nothing by itself (the password is still checked); only its hash is
 * stored. Forgotten when the user is signed out everywhere, or after `WT_SIGNIN_KNOWN_DEVICE_DAYS`.
 */
export class KnownDevices extends Context.Service<KnownDevices, {
  /** The hash of a presented cookie, if it names a browser `username` signed in from. */
  readonly recognise: (token: string | undefined, username: string) => Effect.Effect<Option.Option<string>, SqlError.SqlError>
  /** A new cookie value for a browser the user just signed in from. */
  readonly remember: (userId: string, lifetimeMs: number) => Effect.Effect<string, SqlError.SqlError>
  readonly forgetAll: (userId: string) => Effect.Effect<void, SqlError.SqlError>
}>()("wt/console/KnownDevices") {
  static readonly layer = Layer.effect(
    KnownDevices,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const recognise = Effect.fn("KnownDevices.recognise")(function*(token: string | undefined, username: string) {
        if (token === undefined || !tokenShape.test(token)) return Option.none<string>()
        const tokenHash = hashSessionToken(token)
        const rows = yield* sql<{ token_hash: string }>`
          SELECT d.token_hash FROM sign_in_devices d JOIN users u ON u.id = d.user_id
          WHERE d.token_hash = ${tokenHash} AND d.expires_at > now() AND u.username = ${username}`
        return Option.map(Option.fromNullishOr(rows[0]), (r) => r.token_hash)
      })

      const remember = Effect.fn("KnownDevices.remember")(function*(userId: string, lifetimeMs: number) {
        const token = randomBytes(32).toString("base64url")
        yield* sql`DELETE FROM sign_in_devices WHERE expires_at < now()`
        yield* sql`INSERT INTO sign_in_devices (token_hash, user_id, expires_at)
          VALUES (${hashSessionToken(token)}, ${userId}, now() + make_interval(secs => ${lifetimeMs / 1000}))`
        return token
      })

      const forgetAll = Effect.fn("KnownDevices.forgetAll")(function*(userId: string) {
        yield* sql`DELETE FROM sign_in_devices WHERE user_id = ${userId}`
      })

      return KnownDevices.of({ recognise, remember, forgetAll })
    })
  )
}
