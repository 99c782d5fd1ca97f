import { createHash, randomBytes } from "node:crypto"
import { Context, Duration, Effect, Layer, Option } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import type { Role, User } from "@wt/registry"
import { ConsoleConfig } from "./config.ts"

/** A signed-in user, and which session they presented (to sign that one out). */
export interface SignedIn {
  readonly user: User
  readonly tokenHash: string
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
}

/**
 * Console sessions in PostgreSQL, so every console copy accepts a session any copy issued.
 * The user is read afresh on every request: a changed role or tenant list, or a deleted
 * user, takes effect at once.
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
}>()("wt/console/Sessions") {
  static readonly layer = Layer.effect(
    Sessions,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const config = yield* ConsoleConfig
      const ttlSeconds = Duration.toSeconds(config.sessionTtl)

      const create = Effect.fn("Sessions.create")(function*(user: User) {
        const token = randomBytes(32).toString("base64url")
        // Expired sessions are swept here rather than by a timer: sign-ins are rare and cheap to piggyback on.
        yield* sql`DELETE FROM sessions WHERE expires_at < now()`
        // Expiry is computed by the database, the same clock `authenticate` compares against.
        yield* sql`INSERT INTO sessions (token_hash, user_id, expires_at)
          VALUES (${hashSessionToken(token)}, ${user.id}, now() + make_interval(secs => ${ttlSeconds}))`
        return token
      })

      const current = Effect.fn("Sessions.current")(function*(tokenHash: string) {
        const [row] = yield* sql<SessionRow>`
          SELECT u.id, u.username, u.display_name, u.role, u.tenants
          FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = ${tokenHash} AND s.expires_at > now()`
        if (row === undefined) return Option.none<SignedIn>()
        return Option.some<SignedIn>({
          tokenHash,
          user: { id: row.id, username: row.username, displayName: row.display_name, role: row.role, tenants: row.tenants }
        })
      })

      const authenticate = Effect.fn("Sessions.authenticate")(function*(token: string) {
        if (!tokenShape.test(token)) return Option.none<SignedIn>()
        return yield* current(hashSessionToken(token))
      })

      const revoke = Effect.fn("Sessions.revoke")(function*(tokenHash: string) {
        yield* sql`DELETE FROM sessions WHERE token_hash = ${tokenHash}`
      })

      return Sessions.of({ create, authenticate, current, revoke })
    })
  )
}
