import type { Role } from "@wt/contracts"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { hashIngestKey } from "../ingest-key.ts"
import type { KeyAccessSeal } from "../key-access.ts"
import { hashPassword } from "../password.ts"
import { demoFleet } from "./demo-fleet.ts"
import type { SeedDemoOptions } from "./demo-seeder.ts"

/** `operator2` exists so that two operators can race for the same incident. */
export const DemoUsers: ReadonlyArray<{ readonly username: string; readonly displayName: string; readonly role: Role }> = [
  { username: "operator", displayName: "Demo Operator", role: "operator" },
  { username: "operator2", displayName: "Demo Operator 2", role: "operator" },
  { username: "supervisor", displayName: "Demo Supervisor", role: "supervisor" },
  { username: "admin", displayName: "Demo Admin", role: "admin" }
]

const reveal = (value: string | Redacted.Redacted<string>): string => (Redacted.isRedacted(value) ? Redacted.value(value) : value)

// Keeps each statement well under PostgreSQL's 65535 bind parameters.
const chunks = <A>(items: ReadonlyArray<A>, size = 500): Array<readonly [A, ...Array<A>]> => {
  const out: Array<readonly [A, ...Array<A>]> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size) as unknown as readonly [A, ...Array<A>])
  return out
}

/** Upserts the demo tenant with its fleet, plans, users and ingest key, in one transaction. */
export const seedDemoFleet = Effect.fn("DemoSeeder.seedDemoFleet")(function*(options: SeedDemoOptions, seal: KeyAccessSeal["seal"]) {
  const sql = yield* SqlClient.SqlClient
  const fleet = demoFleet({
    ...(options.tenant !== undefined ? { tenant: options.tenant } : {}),
    ...(options.residents !== undefined ? { residents: options.residents } : {})
  })
  const tenant = fleet.tenant.id
  const password = reveal(options.password)
  const passwordHashes = yield* Effect.promise(() => Promise.all(DemoUsers.map(() => hashPassword(password))))

  // Key-safe codes are stored sealed, never in the clear (see key-access.ts).
  const keyAccess = yield* Effect.forEach(fleet.residents, (r) => seal(tenant, r.id, r.keyAccess))
  const residents = fleet.residents.map((r, i) => ({
    id: r.id,
    tenant,
    display_name: r.displayName,
    birth_year: r.birthYear,
    language: r.language,
    dementia: r.dementia,
    mobility: r.mobility,
    health_notes: JSON.stringify(r.healthNotes),
    key_access: JSON.stringify(keyAccess[i]),
    gps_legal_basis: r.gpsLegalBasis ?? null,
    geofence: r.geofence !== undefined ? JSON.stringify(r.geofence) : null,
    response_plan_id: r.responsePlanId,
    // People with dementia: a door opened at night is P1 for them, and 15 minutes out of bed is long.
    plan_overrides: r.dementia ? JSON.stringify({ priorities: { "door.night-opened": "P1" }, leftBedMinutes: 15 }) : null,
    record: JSON.stringify({ source: "demo-fleet" })
  }))
  const addresses = fleet.residents.flatMap((r) =>
    r.addresses.map((a) => ({
      resident_id: r.id,
      tenant,
      kind: a.kind,
      street: a.street,
      postcode: a.postcode,
      city: a.city,
      lat: a.lat,
      lon: a.lon,
      valid_from: a.validFrom ?? null,
      valid_to: a.validTo ?? null
    }))
  )
  const contacts = fleet.residents.flatMap((r) =>
    r.contacts.map((c, position) => ({
      resident_id: r.id,
      tenant,
      position,
      name: c.name,
      relation: c.relation,
      phone: c.phone,
      keyholder: c.keyholder
    }))
  )
  const devices = fleet.residents.flatMap((r) =>
    r.devices.map((d) => ({
      id: d.id,
      tenant,
      resident_id: r.id,
      type: d.type,
      sensor: d.sensor ?? null,
      placement: d.placement,
      heartbeat_interval_s: options.heartbeatIntervalS ?? d.heartbeatIntervalS,
      active: true,
      triggers: d.triggers !== undefined ? JSON.stringify(d.triggers) : null
    }))
  )
  const plans = fleet.responsePlans.map((p) => ({
    id: p.id,
    tenant,
    alarm_type: p.alarmType,
    title: p.title,
    steps: JSON.stringify(p.steps)
  }))
  const residentIds = fleet.residents.map((r) => r.id)

  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`INSERT INTO tenants (id, name) VALUES (${tenant}, ${fleet.tenant.name})
      ON CONFLICT (id) DO UPDATE SET name = excluded.name`
    for (const batch of chunks(plans)) {
      yield* sql`INSERT INTO response_plans ${sql.insert(batch)}
        ON CONFLICT (tenant, id, alarm_type) DO UPDATE SET title = excluded.title, steps = excluded.steps`
    }
    for (const batch of chunks(residents)) {
      yield* sql`INSERT INTO residents ${sql.insert(batch)}
        ON CONFLICT (tenant, id) DO UPDATE SET
          display_name = excluded.display_name, birth_year = excluded.birth_year, language = excluded.language,
          dementia = excluded.dementia, mobility = excluded.mobility, health_notes = excluded.health_notes,
          key_access = excluded.key_access, gps_legal_basis = excluded.gps_legal_basis, geofence = excluded.geofence,
          response_plan_id = excluded.response_plan_id, plan_overrides = excluded.plan_overrides, record = excluded.record`
    }
    // Addresses and contacts have no natural key: replace the seeded residents' rows.
    yield* sql`DELETE FROM addresses WHERE tenant = ${tenant} AND resident_id = ANY(${residentIds})`
    yield* sql`DELETE FROM contacts WHERE tenant = ${tenant} AND resident_id = ANY(${residentIds})`
    for (const batch of chunks(addresses)) yield* sql`INSERT INTO addresses ${sql.insert(batch)}`
    for (const batch of chunks(contacts)) yield* sql`INSERT INTO contacts ${sql.insert(batch)}`
    for (const batch of chunks(devices)) {
      yield* sql`INSERT INTO devices ${sql.insert(batch)}
        ON CONFLICT (tenant, id) DO UPDATE SET
          resident_id = excluded.resident_id, type = excluded.type, sensor = excluded.sensor,
          placement = excluded.placement, heartbeat_interval_s = excluded.heartbeat_interval_s,
          active = excluded.active, triggers = excluded.triggers`
    }
    const users = DemoUsers.map((u, i) => ({
      id: `user-${u.username}`,
      username: u.username,
      display_name: u.displayName,
      role: u.role,
      tenants: [tenant],
      password_hash: passwordHashes[i]!
    }))
    // A changed WT_DEMO_PASSWORD takes effect on the next seed.
    for (const batch of chunks(users)) {
      yield* sql`INSERT INTO users ${sql.insert(batch)}
        ON CONFLICT (username) DO UPDATE SET
          display_name = excluded.display_name, role = excluded.role, password_hash = excluded.password_hash,
          tenants = (SELECT array_agg(DISTINCT t) FROM unnest(users.tenants || excluded.tenants) AS t)`
    }
    yield* sql`INSERT INTO ingest_keys (key_hash, tenant, label) VALUES (${hashIngestKey(reveal(options.ingestKey))}, ${tenant}, ${"demo"})
      ON CONFLICT (key_hash) DO NOTHING`
  }))

  return {
    tenant,
    residents: residents.length,
    devices: devices.length,
    users: DemoUsers.map((u) => u.username)
  }
})
