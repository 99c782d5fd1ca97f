import type { FleetDevice, KeyAccess, Role } from "@wt/contracts"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import type { KeyAccessSeal } from "../key-access.ts"
import { hashPassword } from "../password.ts"
import { demoFleet } from "./demo-fleet.ts"

/**
 * A second, small demo tenant beside `demo`, so that tenant scoping can be seen and tested:
 * `north-operator` works only for it, `regional` supervises both, and the demo users see
 * nothing of it. It has no ingest key (add one to send it events over HTTP). Its units are
 * safety alarms (and e-locks) with a daily test call, so that, with no simulator sending its
 * heartbeats, a fresh installation does not turn it into a supervision storm.
 */
export const NeighbourTenantId = "north"
export const NeighbourTenantName = "Nordre kommune"
export const NeighbourResidents = 6

export const NeighbourUsers: ReadonlyArray<{
  readonly username: string
  readonly displayName: string
  readonly role: Role
  readonly tenants: ReadonlyArray<string>
}> = [
  { username: "north-operator", displayName: "North Operator", role: "operator", tenants: [NeighbourTenantId] },
  { username: "regional", displayName: "Regional Supervisor", role: "supervisor", tenants: ["demo", NeighbourTenantId] }
]

const DailyTestCallS = 24 * 3600

// Prefixed ids: nobody mistakes one of north's residents or devices for one of demo's.
const renamed = (id: string) => `n-${id}`

export const seedNeighbourTenant = Effect.fn("DemoSeeder.seedNeighbourTenant")(function*(
  password: string | Redacted.Redacted<string>,
  seal: KeyAccessSeal["seal"]
) {
  const sql = yield* SqlClient.SqlClient
  const fleet = demoFleet({ tenant: NeighbourTenantId, residents: NeighbourResidents, seed: 0x0707_2026 })
  const tenant = NeighbourTenantId
  const plain = Redacted.isRedacted(password) ? Redacted.value(password) : password
  const hashes = yield* Effect.promise(() => Promise.all(NeighbourUsers.map(() => hashPassword(plain))))
  const kept = (d: FleetDevice) => d.type === "safety_alarm" || d.sensor === "e_lock"
  const keyAccess = (k: KeyAccess): KeyAccess => (k.kind === "e_lock" ? { kind: "e_lock", lockId: renamed(k.lockId) } : k)

  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`INSERT INTO tenants (id, name) VALUES (${tenant}, ${NeighbourTenantName}) ON CONFLICT (id) DO UPDATE SET name = excluded.name`
    for (const p of fleet.responsePlans) {
      yield* sql`INSERT INTO response_plans ${sql.insert({ id: p.id, tenant, alarm_type: p.alarmType, title: p.title, steps: JSON.stringify(p.steps) })}
        ON CONFLICT (tenant, id, alarm_type) DO UPDATE SET title = excluded.title, steps = excluded.steps`
    }
    for (const r of fleet.residents) {
      const id = renamed(r.id)
      yield* sql`INSERT INTO residents ${sql.insert({
        id,
        tenant,
        display_name: r.displayName,
        birth_year: r.birthYear,
        language: r.language,
        dementia: r.dementia,
        mobility: r.mobility,
        health_notes: JSON.stringify(r.healthNotes),
        key_access: JSON.stringify(yield* seal(tenant, id, keyAccess(r.keyAccess))),
        response_plan_id: r.responsePlanId,
        record: JSON.stringify({ source: "demo-fleet" })
      })} ON CONFLICT (tenant, id) DO NOTHING`
      // Seeded once: an administrator's later edits are not overwritten by the next start.
      const seeded = yield* sql`SELECT 1 FROM addresses WHERE tenant = ${tenant} AND resident_id = ${id} LIMIT 1`
      if (seeded.length > 0) continue
      for (const a of r.addresses) {
        yield* sql`INSERT INTO addresses ${sql.insert({
          resident_id: id, tenant, kind: a.kind, street: a.street, postcode: a.postcode, city: a.city, lat: a.lat, lon: a.lon,
          valid_from: a.validFrom ?? null, valid_to: a.validTo ?? null
        })}`
      }
      for (const [position, c] of r.contacts.entries()) {
        yield* sql`INSERT INTO contacts ${sql.insert({ resident_id: id, tenant, position, name: c.name, relation: c.relation, phone: c.phone, keyholder: c.keyholder })}`
      }
      for (const d of r.devices.filter(kept)) {
        yield* sql`INSERT INTO devices ${sql.insert({
          id: renamed(d.id), tenant, resident_id: id, type: d.type, sensor: d.sensor ?? null, placement: d.placement,
          heartbeat_interval_s: DailyTestCallS, active: true, triggers: d.triggers !== undefined ? JSON.stringify(d.triggers) : null
        })} ON CONFLICT (tenant, id) DO NOTHING`
      }
    }
    for (const [i, u] of NeighbourUsers.entries()) {
      yield* sql`INSERT INTO users ${sql.insert({
        id: `user-${u.username}`, username: u.username, display_name: u.displayName, role: u.role, tenants: [...u.tenants], password_hash: hashes[i]!
      })} ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
        tenants = excluded.tenants, password_hash = excluded.password_hash`
    }
  }))
})
