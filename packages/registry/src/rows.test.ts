import { assert, describe, layer } from "@effect/vitest"
import { TestDatabase } from "@wt/db/testing"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Registry } from "./registry.ts"
import { RegistryRowInvalid } from "./rows.ts"

const Env = Registry.layer.pipe(Layer.provideMerge(TestDatabase))

/** What a read failed with, when it was a RegistryRowInvalid. */
const rowInvalid = <A, E>(read: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(read), (error) => (error instanceof RegistryRowInvalid ? error : undefined))

describe("rows that do not fit the registry's model", () => {
  layer(Env, { timeout: 60_000 })((it) => {
    it.effect("are refused where they are read, naming the table and the column but not the value found there", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const registry = yield* Registry
        // Neither column has a CHECK constraint: only the model says what they may hold.
        yield* sql`INSERT INTO tenants (id, name) VALUES ('odd', 'Odd kommune')`
        yield* sql`INSERT INTO residents (id, tenant, display_name, mobility) VALUES ('res-1', 'odd', 'Kari Nordmann', 'levitating')`
        yield* sql`INSERT INTO devices (tenant, id, resident_id, type, sensor, placement, heartbeat_interval_s, active)
          VALUES ('odd', 'sens-1', 'res-1', 'sensor', 'telepathy', 'hall', 60, true)`

        const resident = yield* rowInvalid(registry.resident("odd", "res-1"))
        assert.strictEqual(resident?.table, "residents")
        assert.include(resident?.message, "mobility")
        assert.notInclude(resident?.message, "levitating")

        const owner = yield* rowInvalid(registry.deviceOwner("odd", "sens-1"))
        assert.strictEqual(owner?.table, "devices")
        assert.include(owner?.message, "sensor")
        assert.notInclude(owner?.message, "telepathy")
        assert.isDefined(yield* rowInvalid(registry.activeDevices("odd")))
      }))
  })
})
