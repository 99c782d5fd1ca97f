import { assert, describe, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Registry } from "../registry.ts"
import { DemoSeeder } from "./demo-seeder.ts"

const ingestKey = Redacted.make("test-ingest-key-0123456789")
const password = Redacted.make("correct horse battery staple")
const Env = DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(TestDatabase))

describe("the second demo tenant", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("is seeded beside demo with its own users and prefixed ids, daily test calls only, and a later seed keeps an administrator's edits", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const seeder = yield* DemoSeeder
        const sql = yield* SqlClient.SqlClient
        yield* seeder.seed({ ingestKey, password, residents: 5, neighbour: true })

        const northOperator = yield* registry.verifyPassword("north-operator", password)
        assert.deepStrictEqual(Option.map(northOperator, (u) => u.tenants), Option.some(["north"]))
        const regional = yield* registry.verifyPassword("regional", password)
        assert.deepStrictEqual(Option.map(regional, (u) => [u.role, [...u.tenants].sort()]), Option.some(["supervisor", ["demo", "north"]]))
        const operator = yield* registry.verifyPassword("operator", password)
        assert.deepStrictEqual(Option.map(operator, (u) => u.tenants), Option.some(["demo"]))

        const devices = yield* registry.activeDevices("north")
        assert.isAbove(devices.length, 5)
        for (const d of devices) {
          assert.match(d.deviceId, /^n-/)
          assert.match(d.residentId, /^n-res-/)
          assert.strictEqual(d.heartbeatIntervalS, 86400)
          assert.isTrue(d.deviceType === "safety_alarm" || d.sensor === "e_lock")
        }
        // No ingest key: north's events cannot arrive under demo's key.
        const keys = yield* sql<{ tenant: string }>`SELECT tenant FROM ingest_keys`
        assert.deepStrictEqual(keys.map((k) => k.tenant), ["demo"])

        yield* sql`UPDATE addresses SET street = 'Edited by admin' WHERE tenant = 'north' AND resident_id = 'n-res-0001'`
        yield* seeder.seed({ ingestKey, password, residents: 5, neighbour: true })
        const record = yield* registry.resident("north", "n-res-0001")
        assert.isTrue(Option.isSome(record) && record.value.addresses.some((a) => a.street === "Edited by admin"))
      }))
  })
})
