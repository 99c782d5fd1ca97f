import { Context, Effect, Layer } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { failuresSoFar, isLock, type ThrottlePolicy, waitAfterFailure } from "./sign-in-policy.ts"

export type ThrottleScopeName = "user" | "address" | "device"

/** One thing failed sign-ins are counted against. */
export interface ThrottleScope {
  readonly scope: ThrottleScopeName
  /** Unique across scopes (`user:…`, `address:…`, `device:…`); never a name as typed. */
  readonly key: string
  readonly policy: ThrottlePolicy
}

/** Where a scope stands once this attempt is counted as failed (which it is, until it succeeds). */
export interface Counted {
  readonly scope: ThrottleScopeName
  readonly failures: number
  /** This failure set a lock. */
  readonly locked: boolean
}

export type Claim =
  /** The password may be checked; the attempt is already counted as a failure in each scope. */
  | { readonly allowed: true; readonly counted: ReadonlyArray<Counted> }
  /** Too soon after earlier failures: refused without looking at the password. */
  | { readonly allowed: false; readonly scope: ThrottleScopeName; readonly retryAfterMs: number; readonly locked: boolean; readonly failures: number }

interface Row {
  readonly key: string
  readonly failures: number
  readonly since_ms: number
  readonly blocked_ms: number
}

/**
 * Failed sign-ins, counted in PostgreSQL so that every console copy sees the same counts (a
 * guesser spreading attempts over copies gains nothing). An attempt first claims its turn in
 * each scope, in one transaction with the rows locked: if any scope still waits, it is refused
 * and nothing is counted; otherwise it is counted as a failure in every scope before the
 * password is checked, so that many attempts sent at once are all counted, and a success takes
 * the count back.
 */
export class SignInThrottle extends Context.Service<SignInThrottle, {
  readonly claim: (scopes: ReadonlyArray<ThrottleScope>) => Effect.Effect<Claim, SqlError.SqlError>
  /** The attempt succeeded: a user's or a known browser's failures are forgotten, an address's presumed failure taken back. */
  readonly succeeded: (scopes: ReadonlyArray<ThrottleScope>) => Effect.Effect<void, SqlError.SqlError>
  /** Lifts whatever holds these keys (an administrator's unlock); whether any did. */
  readonly lift: (keys: ReadonlyArray<string>) => Effect.Effect<boolean, SqlError.SqlError>
}>()("wt/console/SignInThrottle") {
  static readonly layer = Layer.effect(
    SignInThrottle,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const claim = Effect.fn("SignInThrottle.claim")(function*(scopes: ReadonlyArray<ThrottleScope>) {
        const keys = scopes.map((s) => s.key)
        const decided = yield* sql.withTransaction(Effect.gen(function*() {
          for (const key of [...keys].sort()) {
            yield* sql`INSERT INTO sign_in_throttle (key, failures, last_failure_at, blocked_until)
              VALUES (${key}, 0, now(), now()) ON CONFLICT (key) DO NOTHING`
          }
          const rows = yield* sql<Row>`
            SELECT key, failures,
                   (extract(epoch FROM now() - last_failure_at) * 1000)::float8 AS since_ms,
                   (extract(epoch FROM blocked_until - now()) * 1000)::float8 AS blocked_ms
            FROM sign_in_throttle WHERE key IN ${sql.in(keys)} ORDER BY key FOR UPDATE`
          const byKey = new Map(rows.map((r) => [r.key, r]))
          // The longest wait of any scope is the one to tell.
          let refusal: Extract<Claim, { allowed: false }> | undefined
          for (const s of scopes) {
            const row = byKey.get(s.key)
            if (row === undefined || row.blocked_ms <= 0) continue
            if (refusal === undefined || row.blocked_ms > refusal.retryAfterMs) {
              refusal = { allowed: false, scope: s.scope, retryAfterMs: Math.ceil(row.blocked_ms), locked: isLock(s.policy, row.failures), failures: row.failures }
            }
          }
          if (refusal !== undefined) return refusal
          const counted: Array<Counted> = []
          for (const s of scopes) {
            const row = byKey.get(s.key)
            const failures = failuresSoFar(s.policy, row?.failures ?? 0, row?.since_ms ?? 0) + 1
            const waitS = waitAfterFailure(s.policy, failures) / 1000
            yield* sql`UPDATE sign_in_throttle SET failures = ${failures}, last_failure_at = now(),
              blocked_until = now() + make_interval(secs => ${waitS}) WHERE key = ${s.key}`
            counted.push({ scope: s.scope, failures, locked: isLock(s.policy, failures) })
          }
          return { allowed: true, counted } satisfies Claim
        }))
        // Rows of scopes long quiet are swept now and then, by whichever attempt comes along.
        if (Math.random() < 0.05) {
          const windowS = Math.max(...scopes.map((s) => s.policy.windowMs)) / 1000
          yield* sql`DELETE FROM sign_in_throttle WHERE blocked_until < now() AND last_failure_at < now() - make_interval(secs => ${windowS})`
        }
        return decided
      })

      const succeeded = Effect.fn("SignInThrottle.succeeded")(function*(scopes: ReadonlyArray<ThrottleScope>) {
        for (const s of scopes) {
          if (s.scope !== "address") {
            yield* sql`DELETE FROM sign_in_throttle WHERE key = ${s.key}`
            continue
          }
          // Others share the address: only this attempt's presumed failure is taken back.
          yield* sql`UPDATE sign_in_throttle SET failures = greatest(failures - 1, 0),
            blocked_until = CASE WHEN failures - 1 <= ${s.policy.freeFailures} THEN least(blocked_until, now()) ELSE blocked_until END
            WHERE key = ${s.key}`
        }
      })

      const lift = Effect.fn("SignInThrottle.lift")(function*(keys: ReadonlyArray<string>) {
        if (keys.length === 0) return false
        const lifted = yield* sql<{ key: string }>`DELETE FROM sign_in_throttle WHERE key IN ${sql.in(keys)} AND blocked_until > now() RETURNING key`
        yield* sql`DELETE FROM sign_in_throttle WHERE key IN ${sql.in(keys)}`
        return lifted.length > 0
      })

      return SignInThrottle.of({ claim, succeeded, lift })
    })
  )
}
