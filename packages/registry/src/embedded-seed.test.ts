import { assert, describe, it } from "@effect/vitest"
import { databaseLayer, migrate, startEmbeddedPostgres } from "@wt/db"
import { Effect, Layer, Option } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DemoSeeder } from "./demo/demo-seeder.ts"
import { Registry } from "./registry.ts"

describe("Registry on embedded PGlite", () => {
  it.effect("migrates, seeds and answers lookups through the wire server, as `pnpm start` does", () =>
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-registry-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const pg = yield* startEmbeddedPostgres({ dataDir })
      const sql = databaseLayer({ url: pg.url })
      yield* Effect.gen(function*() {
        yield* migrate
        const registry = yield* Registry
        const seeder = yield* DemoSeeder
        const summary = yield* seeder.seed({ ingestKey: "embedded-key", password: "embedded-password", residents: 40 })
        assert.strictEqual(summary.residents, 40)
        const owner = yield* registry.deviceOwner("demo", "alarm-000040")
        assert.strictEqual(Option.getOrThrow(owner).residentId, "res-0040")
        assert.deepStrictEqual(yield* registry.tenantForIngestKey("embedded-key"), Option.some("demo"))
        assert.isTrue(Option.isSome(yield* registry.verifyPassword("admin", "embedded-password")))
      }).pipe(Effect.provide(DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(sql))))
    }), { timeout: 60_000 })
})
