import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { DatabaseConfig } from "./config.ts"
import { migrate } from "./migrate.ts"

export interface DatabaseOptions {
  readonly url: string | Redacted.Redacted<string>
  /** Pool size; keep it small against embedded PGlite, which has one backend. */
  readonly poolMax?: number
  readonly applicationName?: string
}

/** A pooled @effect/sql-pg client for an explicit url (CLI, tests, the launcher). */
export const databaseLayer = (options: DatabaseOptions): Layer.Layer<PgClient.PgClient | SqlClient, SqlError> =>
  PgClient.layer({
    url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
    maxConnections: options.poolMax ?? 2,
    connectTimeout: "10 seconds",
    ...(options.applicationName !== undefined ? { applicationName: options.applicationName } : {})
  })

/** The SQL client from `DATABASE_URL` / `DATABASE_POOL_MAX`. */
export const Database = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* DatabaseConfig
    return databaseLayer({ url: config.url, poolMax: config.poolMax })
  })
)

/** `Database` with pending migrations applied before anything uses it: what a service starts with. */
export const MigratedDatabase = Layer.effectDiscard(migrate).pipe(Layer.provideMerge(Database))
