import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { databaseLayer } from "./database.ts"
import { migrate } from "./migrate.ts"
import { DatabaseReady } from "./ready.ts"
import { TestDatabase } from "./testing.ts"

describe("migrations on PostgreSQL", () => {
  layer(TestDatabase)((it) => {
    it.effect("apply once: a second run finds nothing to do", () =>
      Effect.gen(function*() {
        // TestDatabase has already migrated; running again is a no-op.
        const applied = yield* migrate
        assert.deepStrictEqual(applied, [])
        const again = yield* migrate
        assert.deepStrictEqual(again, [])
      }))

    it.effect("create the tables other services rely on", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ table_name: string }>`
          SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
        const names = rows.map((r) => r.table_name)
        for (
          const table of [
            "tenants",
            "ingest_keys",
            "users",
            "residents",
            "addresses",
            "devices",
            "contacts",
            "response_plans",
            "incidents",
            "incident_timeline",
            "projection_checkpoints"
          ]
        ) assert.include(names, table)
      }))

    it.effect("report ready when the database answers", () =>
      Effect.gen(function*() {
        assert.isTrue(yield* DatabaseReady)
      }))
  })
})

it.effect("readiness is false, not a failure, when the database cannot be reached", () =>
  Effect.gen(function*() {
    const ready = yield* DatabaseReady.pipe(
      Effect.provide(databaseLayer({ url: "postgres://postgres@127.0.0.1:1/postgres" }))
    )
    assert.isFalse(ready)
  }))
