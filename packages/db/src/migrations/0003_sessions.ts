import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Console sign-in sessions. They live here rather than in a console's memory so that
 * any copy of the console accepts a session another copy issued. Only the sha256 of
 * the token is stored: a leaked table does not let anyone sign in.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`
  yield* sql`CREATE INDEX sessions_expires ON sessions (expires_at)`
})
