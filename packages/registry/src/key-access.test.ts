import { assert, describe, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomBytes } from "node:crypto"
import { demoFleet } from "./demo/demo-fleet.ts"
import { DemoSeeder } from "./demo/demo-seeder.ts"
import { Registry } from "./registry.ts"
import { RegistryAdmin } from "./registry-admin.ts"

// An installation key of this test's own, given as WT_INSTALLATION_KEY.
const Installation = ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_INSTALLATION_KEY: randomBytes(32).toString("hex") } }), { asPrimary: true })
const Env = DemoSeeder.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(Registry.layer, RegistryAdmin.layer)),
  Layer.provideMerge(TestDatabase),
  Layer.provide(Installation)
)

const fleet = demoFleet({ residents: 40 })
const withKeySafe = fleet.residents.filter((r) => r.keyAccess.kind === "key_safe")
const codeOf = (r: (typeof fleet.residents)[number]) => (r.keyAccess.kind === "key_safe" ? r.keyAccess.code : "")

describe("key-safe codes in the registry", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("are stored sealed, never in the clear; the record says only that there is a key safe; the code opens on request", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const seeder = yield* DemoSeeder
        yield* seeder.seed({ ingestKey: Redacted.make("k-0123456789abcdef"), password: Redacted.make("pw-0123456789"), residents: 40, neighbour: true })
        assert.isAbove(withKeySafe.length, 3)
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ id: string; key_access: unknown }>`SELECT id, key_access FROM residents WHERE tenant = 'demo' AND key_access->>'kind' = 'key_safe'`
        assert.strictEqual(rows.length, withKeySafe.length)
        for (const row of rows) {
          assert.notProperty(row.key_access as object, "code")
          assert.notInclude(JSON.stringify(row.key_access), `"${codeOf(withKeySafe.find((r) => r.id === row.id)!)}"`)
        }
        const [plain] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM residents WHERE key_access ? 'code'`
        assert.strictEqual(plain!.n, 0)
        for (const r of withKeySafe.slice(0, 5)) {
          const record = Option.getOrThrow(yield* registry.resident("demo", r.id))
          assert.deepStrictEqual(record.keyAccess, { kind: "key_safe" })
          assert.notInclude(JSON.stringify(record), `"${codeOf(r)}"`)
          assert.deepStrictEqual(yield* registry.keySafeCode("demo", r.id), Option.some(codeOf(r)))
        }
        const noKeySafe = fleet.residents.find((r) => r.keyAccess.kind !== "key_safe")!
        assert.deepStrictEqual(yield* registry.keySafeCode("demo", noKeySafe.id), Option.none())
        assert.deepStrictEqual(yield* registry.keySafeCode("demo", "res-nobody"), Option.none())
      }))

    it.effect("a sealed code copied onto another resident does not open there", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const sql = yield* SqlClient.SqlClient
        const [from, to] = withKeySafe
        yield* sql`UPDATE residents SET key_access = (SELECT key_access FROM residents WHERE tenant = 'demo' AND id = ${from!.id})
          WHERE tenant = 'demo' AND id = ${to!.id}`
        const opened = yield* Effect.exit(registry.keySafeCode("demo", to!.id))
        assert.isTrue(Exit.isFailure(opened))
        assert.include(String(Exit.isFailure(opened) ? opened.cause : ""), "KeySafeCodeUnavailable")
      }))

    it.effect("an administrator's write seals a new code, keeps the stored one when the code is left out, and needs a code where none is stored", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const admin = yield* RegistryAdmin
        const input = {
          tenant: "demo",
          displayName: "Test Person",
          birthYear: 1940,
          language: "nb",
          addresses: [{ kind: "home" as const, street: "Gate 1", postcode: "9900", city: "Fjordvik", lat: 69.7, lon: 30 }],
          healthNotes: [],
          mobility: "independent" as const,
          dementia: false,
          responsePlanId: ""
        }
        yield* admin.putResident("res-key-1", { ...input, keyAccess: { kind: "key_safe", code: "9157" } })
        assert.deepStrictEqual(yield* registry.keySafeCode("demo", "res-key-1"), Option.some("9157"))
        yield* admin.putResident("res-key-1", { ...input, displayName: "Renamed", keyAccess: { kind: "key_safe" } })
        assert.deepStrictEqual(yield* registry.keySafeCode("demo", "res-key-1"), Option.some("9157"))
        yield* admin.putResident("res-key-1", { ...input, keyAccess: { kind: "key_safe", code: "2222" } })
        assert.deepStrictEqual(yield* registry.keySafeCode("demo", "res-key-1"), Option.some("2222"))
        const missing = yield* Effect.exit(admin.putResident("res-key-2", { ...input, keyAccess: { kind: "key_safe" } }))
        assert.include(String(Exit.isFailure(missing) ? missing.cause : ""), "KeySafeCodeMissing")
        yield* admin.putResident("res-key-1", { ...input, keyAccess: { kind: "none" } })
        assert.deepStrictEqual(yield* registry.keySafeCode("demo", "res-key-1"), Option.none())
      }))
  })
})
