import { Reactivity } from "effect/reactivity"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { migrate } from "./migrate.ts"

const DefaultBaseUrl = "postgres://postgres@127.0.0.1:5432/postgres"

const withDatabase = (base: string, database: string): string => {
  const url = new URL(base)
  url.pathname = `/${database}`
  return url.toString()
}

const onServer = <A, E>(base: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(PgClient.makeClient({ url: Redacted.make(base), prepare: false }), f)).pipe(
    Effect.provide(Reactivity.layer)
  )

/**
 * A fresh, migrated database `wt_test_<random>` on the real PostgreSQL at
 * `WT_TEST_DATABASE_URL` (default: local trust-auth server), dropped afterwards.
 * Each test file gets its own database, so files can run in parallel.
 */
/** A fresh, empty database on the test PostgreSQL for the life of the scope; its URL, for processes a test spawns. */
export const testDatabaseUrl = Effect.gen(function*() {
  const base = yield* Config.String("WT_TEST_DATABASE_URL").pipe(Config.withDefault(DefaultBaseUrl))
  const name = `wt_test_${randomBytes(6).toString("hex")}`
  yield* Effect.acquireRelease(
    onServer(base, (sql) => sql`CREATE DATABASE ${sql(name)}`),
    () => onServer(base, (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`).pipe(Effect.ignore)
  )
  return withDatabase(base, name)
})

export const TestDatabase = PgClient.layerFrom(
  Effect.gen(function*() {
    const url = yield* testDatabaseUrl
    const client = yield* PgClient.make({ url: Redacted.make(url), maxConnections: 4 })
    yield* migrate.pipe(Effect.provideService(SqlClient.SqlClient, client))
    return client
  }).pipe(Effect.orDie)
)
