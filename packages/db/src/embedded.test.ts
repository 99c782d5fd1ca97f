import { migrations } from "./migrations/index.ts"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { databaseLayer } from "./database.ts"
import { resolveDatabase, startEmbeddedPostgres } from "./embedded.ts"
import { migrate } from "./migrate.ts"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-pglite-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("embedded PGlite served over the wire protocol", () => {
  it.effect("runs migrations and parameterised queries through @effect/sql-pg, and keeps data across restarts", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      yield* Effect.scoped(Effect.gen(function*() {
        const pg = yield* startEmbeddedPostgres({ dataDir })
        yield* Effect.gen(function*() {
          const applied = yield* migrate
          // Every migration applies on a fresh embedded database.
          assert.deepStrictEqual(applied.map(([id]) => id), Object.keys(migrations).map((k) => Number(k.split("_")[0])))
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO tenants (id, name) VALUES (${"t1"}, ${"Tenant one"})`
          const rows = yield* sql<{ name: string }>`SELECT name FROM tenants WHERE id = ${"t1"}`
          assert.deepStrictEqual(rows.map((r) => r.name), ["Tenant one"])
        }).pipe(Effect.provide(databaseLayer({ url: pg.url })))
      }))
      // A second start on the same directory sees the committed data and the migration record.
      yield* Effect.scoped(Effect.gen(function*() {
        const pg = yield* startEmbeddedPostgres({ dataDir })
        yield* Effect.gen(function*() {
          assert.deepStrictEqual(yield* migrate, [])
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ name: string }>`SELECT name FROM tenants WHERE id = ${"t1"}`
          assert.deepStrictEqual(rows.map((r) => r.name), ["Tenant one"])
        }).pipe(Effect.provide(databaseLayer({ url: pg.url })))
      }))
    }), { timeout: 60_000 })

  it.effect("keeps concurrent clients' statements and transactions apart", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const pg = yield* startEmbeddedPostgres({ dataDir })
      // Two pools stand in for two services sharing the one backend.
      const poolA = databaseLayer({ url: pg.url, poolMax: 3 })
      const poolB = Layer.fresh(databaseLayer({ url: pg.url, poolMax: 3 }))
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)`
        yield* sql`INSERT INTO counters VALUES (1, 0)`
      }).pipe(Effect.provide(poolA))

      const echo = Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        let wrong = 0
        yield* Effect.forEach(Array.from({ length: 150 }, (_, i) => i), (i) =>
          Effect.gen(function*() {
            const rows = yield* sql<{ v: number; s: string }>`SELECT ${i}::int AS v, ${`x${i}`}::text AS s`
            if (rows[0]?.v !== i || rows[0]?.s !== `x${i}`) wrong++
          }), { concurrency: 8, discard: true })
        return wrong
      })
      // Read-modify-write in a transaction: lost updates would show if transactions interleaved.
      const increments = Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* Effect.forEach(Array.from({ length: 25 }), () =>
          sql.withTransaction(Effect.gen(function*() {
            const [row] = yield* sql<{ n: number }>`SELECT n FROM counters WHERE id = 1`
            yield* sql`UPDATE counters SET n = ${(row?.n ?? 0) + 1} WHERE id = 1`
          })), { concurrency: 3, discard: true })
      })
      const [wrongA, wrongB] = yield* Effect.all([
        Effect.andThen(increments, echo).pipe(Effect.provide(poolA)),
        Effect.andThen(increments, echo).pipe(Effect.provide(poolB))
      ], { concurrency: 2 })
      assert.strictEqual(wrongA + wrongB, 0)
      const total = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return (yield* sql<{ n: number }>`SELECT n FROM counters WHERE id = 1`)[0]?.n
      }).pipe(Effect.provide(poolA))
      assert.strictEqual(total, 50)
    }), { timeout: 60_000 })

  it.effect("refuses a second owner of the same data directory while the first is alive", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      yield* startEmbeddedPostgres({ dataDir })
      // Pretend another live process (our parent) holds the directory.
      const { writeFileSync } = yield* Effect.promise(() => import("node:fs"))
      writeFileSync(join(dataDir, "pg.lock"), String(process.ppid))
      const second = yield* Effect.exit(Effect.scoped(startEmbeddedPostgres({ dataDir })))
      assert.isTrue(Exit.isFailure(second))
      assert.include(String(second), "EmbeddedPostgresInUse")
    }), { timeout: 60_000 })

  it.effect("resolves to DATABASE_URL when set, and to an embedded database otherwise", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const env = (vars: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars })))
      const external = yield* resolveDatabase({ dataDir }).pipe(env({ DATABASE_URL: "postgres://db.example:5432/wt" }))
      assert.strictEqual(Redacted.value(external.url), "postgres://db.example:5432/wt")
      assert.isTrue(Option.isNone(external.embedded))
      const embedded = yield* resolveDatabase({ dataDir }).pipe(env({}))
      assert.isTrue(Option.isSome(embedded.embedded))
      assert.match(Redacted.value(embedded.url), /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)
    }), { timeout: 60_000 })
})
