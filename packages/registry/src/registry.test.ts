import { assert, describe, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { ConfigProvider, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { DemoSeeder } from "./demo/demo-seeder.ts"
import { Registry } from "./registry.ts"

const ingestKey = Redacted.make("test-ingest-key-0123456789")
const password = Redacted.make("correct horse battery staple")
const Env = DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(TestDatabase))

const counts = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ residents: number; devices: number; contacts: number; addresses: number; users: number; plans: number }>`
    SELECT (SELECT count(*)::int FROM residents) AS residents,
           (SELECT count(*)::int FROM devices) AS devices,
           (SELECT count(*)::int FROM contacts) AS contacts,
           (SELECT count(*)::int FROM addresses) AS addresses,
           (SELECT count(*)::int FROM users) AS users,
           (SELECT count(*)::int FROM response_plans) AS plans`
  return row!
})

describe("Registry on PostgreSQL", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("seeds the demo tenant idempotently: a second seed leaves the same counts", () =>
      Effect.gen(function*() {
        const seeder = yield* DemoSeeder
        const first = yield* seeder.seed({ ingestKey, password })
        const afterFirst = yield* counts
        yield* seeder.seed({ ingestKey, password })
        const afterSecond = yield* counts
        assert.deepStrictEqual(afterSecond, afterFirst)
        assert.strictEqual(first.residents, 300)
        assert.strictEqual(afterFirst.residents, 300)
        assert.strictEqual(afterFirst.users, 4)
        assert.isAbove(afterFirst.devices, 300)
        const sql = yield* SqlClient.SqlClient
        const without = yield* sql<{ id: string }>`
          SELECT r.id FROM residents r WHERE NOT EXISTS (
            SELECT 1 FROM devices d WHERE d.tenant = r.tenant AND d.resident_id = r.id AND d.type = 'safety_alarm')`
        assert.deepStrictEqual(without, [])
      }))

    it.effect("finds the owner of a seeded device and nothing for an unknown one", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const owner = yield* registry.deviceOwner("demo", "alarm-000001")
        assert.isTrue(Option.isSome(owner))
        const value = Option.getOrThrow(owner)
        assert.strictEqual(value.residentId, "res-0001")
        assert.strictEqual(value.deviceType, "safety_alarm")
        assert.strictEqual(value.heartbeatIntervalS, 60)
        assert.isTrue(Option.isNone(yield* registry.deviceOwner("demo", "alarm-999999")))
        // The same id under another tenant is someone else's device.
        assert.isTrue(Option.isNone(yield* registry.deviceOwner("other", "alarm-000001")))
      }))

    it.effect("finds the owners of many devices in one answer, the same as one by one, leaving out unknown ones and other tenants'", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const ids = ["alarm-000001", "alarm-000002", "alarm-999999", "alarm-000003"]
        const owners = yield* registry.deviceOwners("demo", ids)
        assert.deepStrictEqual([...owners.keys()].sort(), ["alarm-000001", "alarm-000002", "alarm-000003"])
        for (const id of owners.keys()) assert.deepStrictEqual(owners.get(id), Option.getOrThrow(yield* registry.deviceOwner("demo", id)))
        assert.strictEqual((yield* registry.deviceOwners("other", ids)).size, 0)
        assert.strictEqual((yield* registry.deviceOwners("demo", [])).size, 0)
      }))

    it.effect("answers from the tenant's fleet snapshot and still finds a device registered after it was loaded", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const sql = yield* SqlClient.SqlClient
        // Loads the snapshot.
        assert.isTrue(Option.isSome(yield* registry.deviceOwner("demo", "alarm-000002")))
        yield* sql`INSERT INTO devices (tenant, id, resident_id, type, placement, heartbeat_interval_s, active)
          VALUES ('demo', 'alarm-late-0001', 'res-0002', 'safety_alarm', 'worn', 60, true)`
        const late = yield* registry.deviceOwner("demo", "alarm-late-0001")
        assert.strictEqual(Option.getOrThrow(late).residentId, "res-0002")
        // The snapshot answers without a query: a device deactivated since it was loaded is still known until the next reload (as with the old 10 s cache).
        yield* sql`UPDATE devices SET active = false WHERE tenant = 'demo' AND id = 'alarm-000003'`
        assert.isTrue(Option.isSome(yield* registry.deviceOwner("demo", "alarm-000003")))
        yield* sql`UPDATE devices SET active = true WHERE tenant = 'demo' AND id = 'alarm-000003'`
        yield* sql`DELETE FROM devices WHERE tenant = 'demo' AND id = 'alarm-late-0001'`
      }))

    it.effect("every statement that changes a tenant's devices or residents moves that tenant's registry version once", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const version = (tenant: string) =>
          Effect.map(sql<{ v: number }>`SELECT coalesce((SELECT version FROM registry_versions WHERE tenant = ${tenant}), 0)::int AS v`, (rows) => rows[0]!.v)
        const start = yield* version("demo")
        // Two rows, one statement: one step.
        yield* sql`UPDATE devices SET heartbeat_interval_s = heartbeat_interval_s WHERE tenant = 'demo' AND id IN ('alarm-000005', 'alarm-000006')`
        assert.strictEqual(yield* version("demo"), start + 1)
        yield* sql`UPDATE residents SET dementia = dementia WHERE tenant = 'demo' AND id = 'res-0005'`
        assert.strictEqual(yield* version("demo"), start + 2)
        yield* sql`INSERT INTO devices (tenant, id, resident_id, type, placement, heartbeat_interval_s, active)
          VALUES ('demo', 'alarm-versioned-1', 'res-0005', 'safety_alarm', 'worn', 60, true)`
        yield* sql`DELETE FROM devices WHERE tenant = 'demo' AND id = 'alarm-versioned-1'`
        assert.strictEqual(yield* version("demo"), start + 4)
        // A statement that changes no row of the tenant's moves nothing.
        yield* sql`UPDATE devices SET active = false WHERE tenant = 'demo' AND id = 'no-such-device'`
        assert.strictEqual(yield* version("demo"), start + 4)
        assert.strictEqual(yield* version("nobody"), 0)
      }))

    it.effect("a device's owner changed in the registry is seen through the fleet snapshot within seconds", () =>
      TestClock.withLive(Effect.gen(function*() {
        const registry = yield* Registry
        const sql = yield* SqlClient.SqlClient
        const interval = Effect.map(registry.deviceOwner("demo", "alarm-000007"), (o) => Option.getOrThrow(o).heartbeatIntervalS)
        const before = yield* interval
        yield* sql`UPDATE devices SET heartbeat_interval_s = ${before + 30} WHERE tenant = 'demo' AND id = 'alarm-000007'`
        // Checked every 2 s against the version, and read again because it moved.
        const seen = yield* interval.pipe(
          Effect.repeat({ schedule: Schedule.spaced("200 millis"), until: (s) => s === before + 30 }),
          Effect.timeoutOption("8 seconds")
        )
        yield* sql`UPDATE devices SET heartbeat_interval_s = ${before} WHERE tenant = 'demo' AND id = 'alarm-000007'`
        assert.deepStrictEqual(seen, Option.some(before + 30))
      })))

    it.effect("maps the ingest key to its tenant and rejects any other key", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        assert.deepStrictEqual(yield* registry.tenantForIngestKey(Redacted.value(ingestKey)), Option.some("demo"))
        assert.isTrue(Option.isNone(yield* registry.tenantForIngestKey("not-the-key")))
      }))

    it.effect("accepts the right password and rejects a wrong one or an unknown user", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const user = yield* registry.verifyPassword("operator", password)
        assert.strictEqual(Option.getOrThrow(user).role, "operator")
        assert.deepStrictEqual(Option.getOrThrow(user).tenants, ["demo"])
        assert.isTrue(Option.isNone(yield* registry.verifyPassword("operator", "wrong password")))
        assert.isTrue(Option.isNone(yield* registry.verifyPassword("nobody", password)))
        assert.isTrue(Option.isSome(yield* registry.verifyPassword("operator2", password)))
      }))

    it.effect("returns a resident's full record with addresses, contacts in order, devices and plan", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const record = Option.getOrThrow(yield* registry.resident("demo", "res-0001"))
        assert.strictEqual(record.id, "res-0001")
        assert.isAbove(record.addresses.length, 0)
        assert.isAbove(record.contacts.length, 0)
        assert.isTrue(record.devices.some((d) => d.type === "safety_alarm"))
        assert.isTrue(record.responsePlan.some((p) => p.alarmType === "safety_alarm" && p.steps.length > 0))
        assert.isTrue(Option.isNone(yield* registry.resident("demo", "res-9999")))
      }))

    it.effect("exports the tenant as residents with their device ids and types", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const exported = yield* registry.exportTenant("demo")
        assert.strictEqual(exported.tenant, "demo")
        assert.strictEqual(exported.residents.length, 300)
        const first = exported.residents[0]!
        assert.strictEqual(first.id, "res-0001")
        assert.deepInclude(first.devices, {
          id: "alarm-000001",
          type: "safety_alarm",
          placement: first.devices[0]!.placement,
          triggers: first.devices[0]!.triggers!,
          dc09: { account: "11000001", encrypted: false },
          scaip: { cid: "11000001" }
        })
        const sensors = exported.residents.flatMap((r) => r.devices).filter((d) => d.type === "sensor")
        assert.isTrue(sensors.length > 0 && sensors.every((d) => d.sensor !== undefined))
        // Ids first: no health data or addresses in the export.
        assert.notInclude(JSON.stringify(exported), "healthNotes")
        assert.notInclude(JSON.stringify(exported), "street")
      }))
  })
})

describe("Registry without fleet snapshots (the alarm-lane process)", () => {
  const OneByOne = DemoSeeder.layer.pipe(
    Layer.provideMerge(Registry.layer),
    Layer.provideMerge(TestDatabase),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ WT_REGISTRY_FLEET_SNAPSHOT: "false" })))
  )
  layer(OneByOne, { timeout: 60_000 })((it) => {
    it.effect("looks each device up on its own: a device deactivated before its first lookup is unknown", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const seeder = yield* DemoSeeder
        const sql = yield* SqlClient.SqlClient
        yield* seeder.seed({ ingestKey, password })
        assert.strictEqual(Option.getOrThrow(yield* registry.deviceOwner("demo", "alarm-000001")).residentId, "res-0001")
        // With a snapshot, this device would be answered from the fleet loaded by the lookup above.
        yield* sql`UPDATE devices SET active = false WHERE tenant = 'demo' AND id = 'alarm-000004'`
        assert.isTrue(Option.isNone(yield* registry.deviceOwner("demo", "alarm-000004")))
        assert.isTrue(Option.isNone(yield* registry.deviceOwner("demo", "alarm-999999")))
      }))
  })
})
