import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { InstallationKeyConfig, loadInstallationKey } from "../installation-key.ts"
import { sealKeySafeCode } from "../key-safe-code.ts"

/**
 * Sign-in throttling, session idle timeout and sign-out everywhere, and key-safe codes sealed
 * at rest: what a password-guesser, a stolen session or a copy of the database could otherwise use.
 *
 * - `sessions.last_seen_at`: a session not used for the idle timeout ends (the absolute
 *   lifetime stays `expires_at`). Sessions are found by user to end them all at once.
 * - `sign_in_throttle`: failed sign-ins per user (keyed by an HMAC of the name tried, so a
 *   password typed into the name field is not kept) and per client address, shared by every
 *   console copy. `blocked_until` is when the next attempt may be checked.
 * - `sign_in_devices`: browsers a user signed in from before (a cookie's hash): a lock set by
 *   someone else's guessing does not keep the owner out at their own workstation (such a
 *   browser's failures are counted in `sign_in_throttle` under its own key).
 * - Every key-safe code still stored in the clear is sealed (AES-256-GCM, bound to its tenant
 *   and resident) under the installation key. The key is read (or made) only when there is a
 *   code to seal, so a fresh installation migrates without it.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now()`
  yield* sql`CREATE INDEX sessions_user ON sessions (user_id)`
  yield* sql`CREATE TABLE sign_in_throttle (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    blocked_until timestamptz NOT NULL
  )`
  yield* sql`CREATE TABLE sign_in_devices (
    token_hash text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`
  yield* sql`CREATE INDEX sign_in_devices_user ON sign_in_devices (user_id)`

  const plain = yield* sql<{ tenant: string; id: string; code: string }>`
    SELECT tenant, id, key_access->>'code' AS code FROM residents
    WHERE key_access->>'kind' = 'key_safe' AND key_access ? 'code'`
  if (plain.length === 0) return
  const key = yield* loadInstallationKey(yield* InstallationKeyConfig)
  for (const row of plain) {
    yield* sql`UPDATE residents SET key_access = ${JSON.stringify(sealKeySafeCode(key, row.tenant, row.id, row.code))}::jsonb
      WHERE tenant = ${row.tenant} AND id = ${row.id}`
  }
  yield* Effect.logInfo("key-safe codes sealed at rest").pipe(Effect.annotateLogs({ residents: plain.length, keyId: key.keyId }))
})
