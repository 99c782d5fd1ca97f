import { createHash, randomBytes } from "node:crypto"
import { Context, Duration, Effect, Layer, Option } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import type { Role, User } from "@wt/registry"
import { ConsoleConfig } from "./config.ts"
import type { UserLanguage } from "./user-language.ts"

/** A signed-in user, and which session they presented (to sign that one out). */
export interface SignedIn {
  readonly user: User
  readonly tokenHash: string
  /** The console's language the user chose; none until they chose (the browser's language decides). */
  readonly language: UserLanguage | undefined
}

/** Only this hash of a token is ever stored or compared. */
export const hashSessionToken = (token: string): string => createHash("sha256").update(token).digest("hex")

// 32 random bytes as base64url, without padding.
const tokenShape = /^[A-Za-z0-9_-]{43}$/u

interface SessionRow {
  readonly id: string
  readonly username: string
  readonly display_name: string
  readonly role: Role
  readonly tenants: ReadonlyArray<string>
  readonly language: UserLanguage | null
}

/**
 * Console sessions in PostgreSQL, so every console copy accepts a session any copy issued.
 * The user is read afresh on every request: a changed role or tenant list, or a deleted
 * user, takes effect at once. A session ends at its absolute lifetime (`WT_SESSION_TTL`) or
 * after `WT_SESSION_IDLE` without a request (`last_seen_at`, moved on by `authenticate`; an open
 * stream's checks read it without moving it).
 */
export class Sessions extends Context.Service<Sessions, {
  /** Starts a session for a user whose password was checked; returns the token, shown once. */
  readonly create: (user: User) => Effect.Effect<string, SqlError.SqlError>
  readonly authenticate: (token: string) => Effect.Effect<Option.Option<SignedIn>, SqlError.SqlError>
  /**
   * The session as it is now (its user's role and tenants read afresh), none once signed out
   * or expired: for connections that outlive one request.
   */
  readonly current: (tokenHash: string) => Effect.Effect<Option.Option<SignedIn>, SqlError.SqlError>
  readonly revoke: (tokenHash: string) => Effect.Effect<void, SqlError.SqlError>
  /** Ends every session of the user (sign-out everywhere); how many there were. */
  readonly revokeAll: (userId: string) => Effect.Effect<number, SqlError.SqlError>
}>()("wt/console/Sessions") {
  static readonly layer = Layer.effect(
    Sessions,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const config = yield* ConsoleConfig
      const ttlSeconds = Duration.toSeconds(config.sessionTtl)
      const idleSeconds = Duration.toSeconds(config.sessionIdle)
      // Moving last_seen_at on is a write: at most every 15 s per session (sooner with a short idle timeout).
      const touchEverySeconds = Math.min(15, idleSeconds / 4)

      const create = Effect.fn("Sessions.create")(function*(user: User) {
        const token = randomBytes(32).toString("base64url")
        // Expired sessions are swept here rather than by a timer: sign-ins are rare and cheap to piggyback on.
        yield* sql`DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => ${idleSeconds})`
        // Expiry is computed by the database, the same clock `authenticate` compares against.
        yield* sql`INSERT INTO sessions (token_hash, user_id, expires_at)
          VALUES (${hashSessionToken(token)}, ${user.id}, now() + make_interval(secs => ${ttlSeconds}))`
        return token
      })

      const live = (tokenHash: string) =>
        sql<SessionRow & { readonly idle_s: number }>`
          SELECT u.id, u.username, u.display_name, u.role, u.tenants, u.language,
                 extract(epoch FROM now() - s.last_seen_at)::float8 AS idle_s
          FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = ${tokenHash} AND s.expires_at > now()
            AND s.last_seen_at > now() - make_interval(secs => ${idleSeconds})`

      const signedIn = (tokenHash: string, row: SessionRow): SignedIn => ({
        tokenHash,
        user: { id: row.id, username: row.username, displayName: row.display_name, role: row.role, tenants: row.tenants },
        language: row.language ?? undefined
      })

      const current = Effect.fn("Sessions.current")(function*(tokenHash: string) {
        const [row] = yield* live(tokenHash)
        return row === undefined ? Option.none<SignedIn>() : Option.some(signedIn(tokenHash, row))
      })

      const authenticate = Effect.fn("Sessions.authenticate")(function*(token: string) {
        if (!tokenShape.test(token)) return Option.none<SignedIn>()
        const tokenHash = hashSessionToken(token)
        const [row] = yield* live(tokenHash)
        if (row === undefined) return Option.none<SignedIn>()
        // A request is use: the idle timeout starts again.
        if (row.idle_s >= touchEverySeconds) yield* sql`UPDATE sessions SET last_seen_at = now() WHERE token_hash = ${tokenHash}`
        return Option.some(signedIn(tokenHash, row))
      })

      const revoke = Effect.fn("Sessions.revoke")(function*(tokenHash: string) {
        yield* sql`DELETE FROM sessions WHERE token_hash = ${tokenHash}`
      })

      const revokeAll = Effect.fn("Sessions.revokeAll")(function*(userId: string) {
        const ended = yield* sql<{ token_hash: string }>`DELETE FROM sessions WHERE user_id = ${userId} RETURNING token_hash`
        return ended.length
      })

      return Sessions.of({ create, authenticate, current, revoke, revokeAll })
    })
  )
}
