import type { Address, Contact, DeviceType, Geofence, GpsLegalBasis, Mobility, Role, SafetyAlarmTrigger, SensorKind, User } from "@wt/contracts"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { type KeyAccessInput, keyAccessSealFromConfig, KeySafeCodeMissing, type KeySafeCodeUnavailable } from "./key-access.ts"
import { JsonColumn, type RegistryRowInvalid, rowsOf, TenantDeviceRow, userFromRow, UserRow } from "./rows.ts"

/** A resident's registry record as an administrator writes it (contacts and devices have their own writes). */
export interface ResidentInput {
  readonly tenant: string
  readonly displayName: string
  readonly birthYear: number
  readonly language: string
  readonly addresses: ReadonlyArray<Address>
  readonly healthNotes: ReadonlyArray<string>
  readonly mobility: Mobility
  /** A key safe without `code` keeps the code stored (codes are write-only: see key-access.ts). */
  readonly keyAccess: KeyAccessInput
  readonly dementia: boolean
  readonly gpsLegalBasis?: GpsLegalBasis
  readonly geofence?: Geofence
  readonly responsePlanId: string
}

export interface DeviceInput {
  readonly tenant: string
  readonly residentId: string
  readonly type: DeviceType
  readonly sensor?: typeof SensorKind.Type
  readonly placement: string
  readonly heartbeatIntervalS: number
  readonly active: boolean
  readonly triggers?: ReadonlyArray<typeof SafetyAlarmTrigger.Type>
}

export interface DeviceRecord extends DeviceInput {
  readonly id: string
}

export interface PlanEntryInput {
  readonly alarmType: string
  readonly title: string
  readonly steps: ReadonlyArray<string>
}

export interface PlanRecord {
  readonly id: string
  readonly tenant: string
  readonly entries: ReadonlyArray<PlanEntryInput>
}

/** A console user as administrators see it: never the password hash. */
export type UserRecord = User

export interface UserInput {
  readonly username: string
  readonly displayName: string
  readonly role: Role
  readonly tenants: ReadonlyArray<string>
}

export interface ResidentSummary {
  readonly id: string
  readonly tenant: string
  readonly displayName: string
  readonly devices: number
}

export class UsernameTaken extends Schema.TaggedError<UsernameTaken>()("UsernameTaken", {
  username: Schema.String
}) {}

// sql.insert takes a list only when it is known to be non-empty.
const nonEmpty = <A>(rows: ReadonlyArray<A>) => rows as unknown as readonly [A, ...Array<A>]

const deviceRows = rowsOf("devices", TenantDeviceRow)
const residentSummaryRows = rowsOf("residents", Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  display_name: Schema.String,
  devices: Schema.Number
}))
const tenantRows = rowsOf("residents", Schema.Struct({ tenant: Schema.String }))
const keyAccessRows = rowsOf("residents", Schema.Struct({ key_access: JsonColumn(Schema.Unknown) }))
const planRows = rowsOf("response_plans", Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  alarm_type: Schema.String,
  title: Schema.String,
  steps: JsonColumn(Schema.Array(Schema.String))
}))
const userRows = rowsOf("users", UserRow)

const deviceOf = (row: TenantDeviceRow): DeviceRecord => ({
  id: row.id,
  tenant: row.tenant,
  residentId: row.resident_id,
  type: row.type,
  ...(row.sensor !== null ? { sensor: row.sensor } : {}),
  placement: row.placement ?? "",
  heartbeatIntervalS: row.heartbeat_interval_s,
  active: row.active,
  ...(row.triggers !== null ? { triggers: row.triggers } : {})
})


/**
 * Administrators' writes to the registry: residents, their addresses and contacts, devices,
 * response plans and users. Reads are always scoped to tenants the caller names; whether the
 * caller may name them is the console's decision. Other processes cache device owners for
 * ~10 s and the supervised fleet for a minute, so a change reaches triage within that time.
 */
export class RegistryAdmin extends Context.Service<RegistryAdmin, {
  readonly residents: (tenants: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<ResidentSummary>, SqlError | RegistryRowInvalid>
  /** The tenant (of those given) a resident belongs to. */
  readonly residentTenant: (tenants: ReadonlyArray<string>, residentId: string) => Effect.Effect<Option.Option<string>, SqlError | RegistryRowInvalid>
  readonly putResident: (residentId: string, input: ResidentInput) => Effect.Effect<void, SqlError | RegistryRowInvalid | KeySafeCodeMissing | KeySafeCodeUnavailable>
  readonly putContacts: (tenant: string, residentId: string, contacts: ReadonlyArray<Contact>) => Effect.Effect<void, SqlError>
  readonly devices: (tenants: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<DeviceRecord>, SqlError | RegistryRowInvalid>
  readonly device: (tenants: ReadonlyArray<string>, deviceId: string) => Effect.Effect<Option.Option<DeviceRecord>, SqlError | RegistryRowInvalid>
  readonly putDevice: (deviceId: string, input: DeviceInput) => Effect.Effect<void, SqlError>
  readonly plans: (tenants: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<PlanRecord>, SqlError | RegistryRowInvalid>
  /** Replaces every alarm type's checklist of the plan. */
  readonly putPlan: (plan: PlanRecord) => Effect.Effect<void, SqlError>
  readonly users: () => Effect.Effect<ReadonlyArray<UserRecord>, SqlError | RegistryRowInvalid>
  readonly user: (userId: string) => Effect.Effect<Option.Option<UserRecord>, SqlError | RegistryRowInvalid>
  /** Creates or updates a user; a new user needs a password hash. */
  readonly putUser: (userId: string, input: UserInput, passwordHash: string | undefined) => Effect.Effect<void, SqlError | UsernameTaken>
}>()("wt/RegistryAdmin") {
  static readonly layer = Layer.effect(
    RegistryAdmin,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const keyAccessSeal = yield* keyAccessSealFromConfig

      /** The `key_access` value to store: a new code sealed, or the stored one kept when none is given. */
      const storedKeyAccess = Effect.fn("RegistryAdmin.storedKeyAccess")(function*(residentId: string, input: ResidentInput) {
        const access = input.keyAccess
        if (access.kind !== "key_safe" || access.code !== undefined) {
          return yield* keyAccessSeal.seal(input.tenant, residentId, access.kind === "key_safe" ? { kind: "key_safe", code: access.code! } : access)
        }
        const [row] = yield* sql`
          SELECT key_access FROM residents WHERE tenant = ${input.tenant} AND id = ${residentId} AND key_access->>'kind' = 'key_safe'`.pipe(
          Effect.flatMap(keyAccessRows)
        )
        if (row === undefined) return yield* new KeySafeCodeMissing({ residentId })
        return row.key_access
      })

      const residents = Effect.fn("RegistryAdmin.residents")(function*(tenants: ReadonlyArray<string>) {
        if (tenants.length === 0) return []
        const rows = yield* sql`
          SELECT r.id, r.tenant, r.display_name,
            (SELECT count(*)::int FROM devices d WHERE d.tenant = r.tenant AND d.resident_id = r.id) AS devices
          FROM residents r WHERE r.tenant IN ${sql.in(tenants)} ORDER BY r.tenant, r.id`.pipe(Effect.flatMap(residentSummaryRows))
        return rows.map((r): ResidentSummary => ({ id: r.id, tenant: r.tenant, displayName: r.display_name, devices: r.devices }))
      })

      const residentTenant = Effect.fn("RegistryAdmin.residentTenant")(function*(tenants: ReadonlyArray<string>, residentId: string) {
        if (tenants.length === 0) return Option.none<string>()
        const rows = yield* sql`
          SELECT tenant FROM residents WHERE id = ${residentId} AND tenant IN ${sql.in(tenants)} ORDER BY tenant LIMIT 1`.pipe(Effect.flatMap(tenantRows))
        return Option.map(Option.fromNullishOr(rows[0]), (r) => r.tenant)
      })

      const putResident = Effect.fn("RegistryAdmin.putResident")(function*(residentId: string, input: ResidentInput) {
        const keyAccess = yield* storedKeyAccess(residentId, input)
        const row = {
          id: residentId,
          tenant: input.tenant,
          display_name: input.displayName,
          birth_year: input.birthYear,
          language: input.language,
          dementia: input.dementia,
          mobility: input.mobility,
          health_notes: JSON.stringify(input.healthNotes),
          key_access: JSON.stringify(keyAccess),
          gps_legal_basis: input.gpsLegalBasis ?? null,
          geofence: input.geofence !== undefined ? JSON.stringify(input.geofence) : null,
          response_plan_id: input.responsePlanId === "" ? null : input.responsePlanId
        }
        const addresses = input.addresses.map((a) => ({
          resident_id: residentId,
          tenant: input.tenant,
          kind: a.kind,
          street: a.street,
          postcode: a.postcode,
          city: a.city,
          lat: Number.isFinite(a.lat) ? a.lat : null,
          lon: Number.isFinite(a.lon) ? a.lon : null,
          valid_from: a.validFrom ?? null,
          valid_to: a.validTo ?? null
        }))
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`INSERT INTO residents ${sql.insert(row)}
            ON CONFLICT (tenant, id) DO UPDATE SET
              display_name = excluded.display_name, birth_year = excluded.birth_year, language = excluded.language,
              dementia = excluded.dementia, mobility = excluded.mobility, health_notes = excluded.health_notes,
              key_access = excluded.key_access, gps_legal_basis = excluded.gps_legal_basis, geofence = excluded.geofence,
              response_plan_id = excluded.response_plan_id`
          yield* sql`DELETE FROM addresses WHERE tenant = ${input.tenant} AND resident_id = ${residentId}`
          if (addresses.length > 0) yield* sql`INSERT INTO addresses ${sql.insert(nonEmpty(addresses))}`
        }))
      })

      const putContacts = Effect.fn("RegistryAdmin.putContacts")(function*(tenant: string, residentId: string, contacts: ReadonlyArray<Contact>) {
        const rows = contacts.map((c, position) => ({
          resident_id: residentId,
          tenant,
          position,
          name: c.name,
          relation: c.relation,
          phone: c.phone,
          keyholder: c.keyholder
        }))
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`DELETE FROM contacts WHERE tenant = ${tenant} AND resident_id = ${residentId}`
          if (rows.length > 0) yield* sql`INSERT INTO contacts ${sql.insert(nonEmpty(rows))}`
        }))
      })

      const devices = Effect.fn("RegistryAdmin.devices")(function*(tenants: ReadonlyArray<string>) {
        if (tenants.length === 0) return []
        const rows = yield* sql`
          SELECT id, tenant, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
          FROM devices WHERE tenant IN ${sql.in(tenants)} ORDER BY tenant, resident_id, id`.pipe(Effect.flatMap(deviceRows))
        return rows.map(deviceOf)
      })

      const device = Effect.fn("RegistryAdmin.device")(function*(tenants: ReadonlyArray<string>, deviceId: string) {
        if (tenants.length === 0) return Option.none<DeviceRecord>()
        const rows = yield* sql`
          SELECT id, tenant, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
          FROM devices WHERE id = ${deviceId} AND tenant IN ${sql.in(tenants)} ORDER BY tenant LIMIT 1`.pipe(Effect.flatMap(deviceRows))
        return Option.map(Option.fromNullishOr(rows[0]), deviceOf)
      })

      const putDevice = Effect.fn("RegistryAdmin.putDevice")(function*(deviceId: string, input: DeviceInput) {
        const row = {
          id: deviceId,
          tenant: input.tenant,
          resident_id: input.residentId,
          type: input.type,
          sensor: input.sensor ?? null,
          placement: input.placement,
          heartbeat_interval_s: input.heartbeatIntervalS,
          active: input.active,
          triggers: input.triggers !== undefined ? JSON.stringify(input.triggers) : null
        }
        yield* sql`INSERT INTO devices ${sql.insert(row)}
          ON CONFLICT (tenant, id) DO UPDATE SET
            resident_id = excluded.resident_id, type = excluded.type, sensor = excluded.sensor,
            placement = excluded.placement, heartbeat_interval_s = excluded.heartbeat_interval_s,
            active = excluded.active, triggers = excluded.triggers`
      })

      const plans = Effect.fn("RegistryAdmin.plans")(function*(tenants: ReadonlyArray<string>) {
        if (tenants.length === 0) return []
        const rows = yield* sql`
          SELECT id, tenant, alarm_type, title, steps FROM response_plans
          WHERE tenant IN ${sql.in(tenants)} ORDER BY tenant, id, alarm_type`.pipe(Effect.flatMap(planRows))
        const byPlan = new Map<string, { id: string; tenant: string; entries: Array<PlanEntryInput> }>()
        for (const r of rows) {
          const key = `${r.tenant}\u0000${r.id}`
          const plan = byPlan.get(key) ?? { id: r.id, tenant: r.tenant, entries: [] }
          plan.entries.push({ alarmType: r.alarm_type, title: r.title, steps: r.steps })
          byPlan.set(key, plan)
        }
        return [...byPlan.values()] as ReadonlyArray<PlanRecord>
      })

      const putPlan = Effect.fn("RegistryAdmin.putPlan")(function*(plan: PlanRecord) {
        const rows = plan.entries.map((e) => ({ id: plan.id, tenant: plan.tenant, alarm_type: e.alarmType, title: e.title, steps: JSON.stringify(e.steps) }))
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`DELETE FROM response_plans WHERE tenant = ${plan.tenant} AND id = ${plan.id}`
          if (rows.length > 0) yield* sql`INSERT INTO response_plans ${sql.insert(nonEmpty(rows))}`
        }))
      })

      const users = Effect.fn("RegistryAdmin.users")(function*() {
        const rows = yield* sql`
          SELECT id, username, display_name, role, tenants FROM users ORDER BY username`.pipe(Effect.flatMap(userRows))
        return rows.map(userFromRow)
      })

      const user = Effect.fn("RegistryAdmin.user")(function*(userId: string) {
        const rows = yield* sql`
          SELECT id, username, display_name, role, tenants FROM users WHERE id = ${userId}`.pipe(Effect.flatMap(userRows))
        return Option.map(Option.fromNullishOr(rows[0]), userFromRow)
      })

      const putUser = Effect.fn("RegistryAdmin.putUser")(function*(userId: string, input: UserInput, passwordHash: string | undefined) {
        const clash = yield* sql`SELECT 1 FROM users WHERE username = ${input.username} AND id <> ${userId}`
        if (clash.length > 0) return yield* new UsernameTaken({ username: input.username })
        yield* sql.withTransaction(Effect.gen(function*() {
          const before = yield* sql`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`
          if (before.length === 0) {
            if (passwordHash === undefined) return yield* Effect.die(new Error("a new user needs a password"))
            yield* sql`INSERT INTO users ${sql.insert({
              id: userId,
              username: input.username,
              display_name: input.displayName,
              role: input.role,
              tenants: [...input.tenants],
              password_hash: passwordHash
            })}`
            return
          }
          yield* sql`UPDATE users SET username = ${input.username}, display_name = ${input.displayName}, role = ${input.role},
            tenants = ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(input.tenants)}::jsonb)) WHERE id = ${userId}`
          // A reset password signs the user out everywhere. (A changed role or scope needs nothing:
          // sessions read the user afresh on every request.)
          if (passwordHash !== undefined) {
            yield* sql`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${userId}`
            yield* sql`DELETE FROM sessions WHERE user_id = ${userId}`
          }
        }))
      })

      return RegistryAdmin.of({ residents, residentTenant, putResident, putContacts, devices, device, putDevice, plans, putPlan, users, user, putUser })
    })
  )
}
