import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** For /readyz: true when the database answers a trivial query, false on any failure. */
export const DatabaseReady: Effect.Effect<boolean, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`select 1`
  return true
}).pipe(
  Effect.timeout("2 seconds"),
  Effect.catchCause(() => Effect.succeed(false))
)
