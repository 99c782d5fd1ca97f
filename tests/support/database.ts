import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { databaseLayer } from "@wt/db"

/** Runs `f` on a short-lived connection to an installation's database, as an administrator at the SQL prompt would. */
export const onDatabase = <A, E>(databaseUrl: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  SqlClient.SqlClient.use(f).pipe(
    Effect.provide(databaseLayer({ url: Redacted.make(databaseUrl), poolMax: 1, applicationName: "e2e-test" })),
    Effect.orDie
  )
