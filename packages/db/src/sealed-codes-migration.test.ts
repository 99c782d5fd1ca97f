import { expect, layer } from "@effect/vitest"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { ConfigProvider, Effect, Layer, Redacted, Result } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { InstallationKeyConfig, loadInstallationKey } from "./installation-key.ts"
import { isSealedKeySafe, openKeySafeCode } from "./key-safe-code.ts"
import { migrate } from "./migrate.ts"
import { migrations } from "./migrations/index.ts"
import { testDatabaseUrl } from "./testing.ts"

// A database as an installation had it before migration 0013: codes in the clear.
const before0013 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0013"))

const dataDir = mkdtempSync(join(tmpdir(), "wt-0013-"))
const Installation = ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_DATA_DIR: dataDir } }), { asPrimary: true })

const OldDatabase = PgClient.layerFrom(
  Effect.gen(function*() {
    const url = yield* testDatabaseUrl
    const client = yield* PgClient.make({ url: Redacted.make(url), maxConnections: 2 })
    yield* PgMigrator.make({})({ loader: PgMigrator.fromRecord(before0013), table: "wt_migrations" }).pipe(
      Effect.provideService(SqlClient.SqlClient, client)
    )
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dataDir, { recursive: true, force: true })))
    return client
  }).pipe(Effect.orDie)
)

layer(OldDatabase.pipe(Layer.provide(Installation)), { excludeTestServices: true })("migration 0013 on a database with key-safe codes in the clear", (it) => {
  it.effect("seals every stored code under the installation key, bound to its tenant and resident; nothing else of key access changes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO tenants (id, name) VALUES ('demo', 'Demo'), ('north', 'North')`
      const rows = [
        { tenant: "demo", id: "res-1", key_access: { kind: "key_safe", code: "4821" } },
        { tenant: "north", id: "res-1", key_access: { kind: "key_safe", code: "0007" } },
        { tenant: "demo", id: "res-2", key_access: { kind: "e_lock", lockId: "sens-lock-2" } },
        { tenant: "demo", id: "res-3", key_access: { kind: "none" } }
      ]
      for (const r of rows) {
        yield* sql`INSERT INTO residents (tenant, id, display_name, key_access) VALUES (${r.tenant}, ${r.id}, 'x', ${JSON.stringify(r.key_access)}::jsonb)`
      }
      const applied = yield* migrate.pipe(Effect.provide(Installation))
      expect(applied.map(([id]) => id)).toContain(13)

      const stored = yield* sql<{ tenant: string; id: string; key_access: any }>`SELECT tenant, id, key_access FROM residents ORDER BY tenant, id`
      const text = JSON.stringify(stored)
      expect(text).not.toContain("4821")
      expect(text).not.toContain("0007")
      const key = yield* Effect.gen(function*() {
        return yield* loadInstallationKey(yield* InstallationKeyConfig)
      }).pipe(Effect.provide(Installation))
      const byId = new Map(stored.map((r) => [`${r.tenant}/${r.id}`, r.key_access]))
      for (const [where, code] of [["demo/res-1", "4821"], ["north/res-1", "0007"]] as const) {
        const value = byId.get(where)
        expect(isSealedKeySafe(value)).toBe(true)
        const [tenant, id] = where.split("/") as [string, string]
        expect(Result.getOrThrow(openKeySafeCode(key, tenant, id, value))).toBe(code)
      }
      // Sealed for demo/res-1, it does not open as north's res-1 (same resident id, other tenant).
      expect(Result.isFailure(openKeySafeCode(key, "north", "res-1", byId.get("demo/res-1")))).toBe(true)
      expect(byId.get("demo/res-2")).toEqual({ kind: "e_lock", lockId: "sens-lock-2" })
      expect(byId.get("demo/res-3")).toEqual({ kind: "none" })
    }))
})
