import { assert, describe, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { demoFleet } from "./demo/demo-fleet.ts"
import { DemoSeeder } from "./demo/demo-seeder.ts"
import { type DevicePosition, Registry } from "./registry.ts"

const Env = DemoSeeder.layer.pipe(Layer.provideMerge(Registry.layer), Layer.provideMerge(TestDatabase))

describe("Registry.activeDevices", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("lists every active device with its resident and heartbeat interval, and leaves out devices taken out of service", () =>
      Effect.gen(function*() {
        const registry = yield* Registry
        const seeder = yield* DemoSeeder
        yield* seeder.seed({ ingestKey: Redacted.make("test-ingest-key-0123456789"), password: Redacted.make("pw"), residents: 5 })
        const fleet = demoFleet({ residents: 5 })
        const expected = fleet.residents.flatMap((r) => r.devices.map((d) => d.id)).sort()
        const all = yield* registry.activeDevices()
        assert.deepStrictEqual(all.map((d) => d.deviceId).sort(), expected)
        const alarm = all.find((d) => d.deviceId === "alarm-000001")
        assert.deepStrictEqual(alarm, { tenant: "demo", deviceId: "alarm-000001", residentId: "res-0001", deviceType: "safety_alarm", heartbeatIntervalS: 60 })
        assert.strictEqual(all.find((d) => d.sensor === "motion")?.deviceType, "sensor")

        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE devices SET active = false WHERE id = 'alarm-000001'`
        const afterwards = yield* registry.activeDevices("demo")
        assert.strictEqual(afterwards.length, expected.length - 1)
        assert.isUndefined(afterwards.find((d) => d.deviceId === "alarm-000001"))
        assert.deepStrictEqual(yield* registry.activeDevices("no-such-tenant"), [])

        // Read a page at a time (pages of 4 here), the fleet comes out whole, once, in order.
        const paged: Array<string> = []
        let after: DevicePosition | undefined
        while (true) {
          const page = yield* registry.activeDevicesPage(after, 4)
          paged.push(...page.map((d) => `${d.tenant}.${d.deviceId}`))
          const last = page.at(-1)
          if (page.length < 4 || last === undefined) break
          after = { tenant: last.tenant, deviceId: last.deviceId }
        }
        assert.isAbove(afterwards.length, 8, "more than two pages")
        assert.deepStrictEqual(paged, (yield* registry.activeDevices()).map((d) => `${d.tenant}.${d.deviceId}`))
      }))
  })
})
