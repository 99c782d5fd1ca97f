import { AddressKind, Contact, Geofence, GpsLegalBasis, KeyAccessView, Mobility, type ResponsePlanStep, type User } from "@wt/contracts"
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { keyAccessSealFromConfig, type KeySafeCodeUnavailable } from "./key-access.ts"
import { hashIngestKey } from "./ingest-key.ts"
import type { DeviceOwner, ResidentRecord, SupervisedDevice, TenantExport, TriageProfile } from "./model.ts"
import { verifyPasswordHash } from "./password.ts"
import { exportedIdentities, tenantIdentities } from "./device-identities.ts"
import { makeInterner } from "./interning.ts"
import { makeTenantSnapshots } from "./tenant-snapshots.ts"
import { makeLookupCache } from "./lookup-cache.ts"
import { deviceFromRow, DeviceRow, JsonColumn, type RegistryRowInvalid, rowsOf, TenantDeviceRow, userFromRow, UserRow } from "./rows.ts"

export interface RegistryShape {
  /**
   * Who a device belongs to; called per event. Answers come from a snapshot of the tenant's
   * whole fleet (one query, reloaded in the background every ~10 s), and a device not in it
   * from a lookup of its own, cached ~10 s (including "unknown").
   */
  readonly deviceOwner: (tenant: string, deviceId: string) => Effect.Effect<Option.Option<DeviceOwner>, SqlError | RegistryRowInvalid>
  /**
   * The owners of many devices of one tenant, in one query (the absence watch raising a silent
   * fleet a chunk at a time); a device not registered, or not active, is not in the map. Not cached:
   * a device raised is not asked about again soon, and 50,000 cached owners were the largest thing
   * in supervision's heap.
   */
  readonly deviceOwners: (tenant: string, deviceIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, DeviceOwner>, SqlError | RegistryRowInvalid>
  /**
   * `deviceOwner`'s answer when the tenant's fleet snapshot holds it and is current, read without
   * an effect: for the bulk lanes' messages that need no fiber. Undefined means "ask deviceOwner"
   * (not loaded, due for its check, a device not in it, snapshots off), never "unknown".
   */
  readonly deviceOwnerNow: (tenant: string, deviceId: string) => DeviceOwner | undefined
  /** The tenant an ingest key (the raw bearer token) belongs to; cached ~10 s. */
  readonly tenantForIngestKey: (key: string) => Effect.Effect<Option.Option<string>, SqlError | RegistryRowInvalid>
  readonly resident: (tenant: string, residentId: string) => Effect.Effect<Option.Option<ResidentRecord>, SqlError | RegistryRowInvalid>
  /**
   * The resident's key-safe code, opened: only for handing it over (to the responder holding a
   * live call-out, on an audited reveal). None when the resident has no key safe (or no record).
   */
  readonly keySafeCode: (tenant: string, residentId: string) => Effect.Effect<Option.Option<string>, SqlError | RegistryRowInvalid | KeySafeCodeUnavailable>
  readonly exportTenant: (tenant: string) => Effect.Effect<TenantExport, SqlError | RegistryRowInvalid>
  /** Every active device (of one tenant, or of all), with its heartbeat interval: what absence supervision watches. */
  readonly activeDevices: (tenant?: string) => Effect.Effect<ReadonlyArray<SupervisedDevice>, SqlError | RegistryRowInvalid>
  /** Up to `limit` active devices after `after`, in (tenant, device id) order: a whole fleet read a page at a time. */
  readonly activeDevicesPage: (after: DevicePosition | undefined, limit: number) => Effect.Effect<ReadonlyArray<SupervisedDevice>, SqlError | RegistryRowInvalid>
  /**
   * A stamp that moves whenever any tenant's devices or residents change (migration 0015): a
   * whole fleet held in memory need be read again only when it moved. Only ever compared.
   */
  readonly fleetVersion: Effect.Effect<number, SqlError | RegistryRowInvalid>
  readonly verifyPassword: (username: string, password: string | Redacted.Redacted<string>) => Effect.Effect<Option.Option<User>, SqlError | RegistryRowInvalid>
  /** The user of this name, without a password: whom a failed or refused sign-in claimed to be, for the audit trail. */
  readonly userByName: (username: string) => Effect.Effect<Option.Option<User>, SqlError | RegistryRowInvalid>
  /**
   * Forgets every cached answer (device owners, fleet snapshots, ingest keys), so the next
   * lookup reads the database: for a bulk write in this process, such as a seed, that must be
   * seen at once rather than within the ~10 s the caches keep.
   */
  readonly forgetCached: Effect.Effect<void>
}

// A failed lookup (database down) is not remembered: the next event asks again.
const CacheTtlMs = Duration.toMillis(Duration.seconds(10))

/** Where a paged read of the fleet stands. */
export interface DevicePosition {
  readonly tenant: string
  readonly deviceId: string
}

/** A device with what triage needs of its resident, cached with it: no names, no health data. */
const OwnerRow = Schema.Struct({
  ...DeviceRow.fields,
  dementia: Schema.Boolean,
  geofence: Schema.NullOr(JsonColumn(Geofence)),
  response_plan_id: Schema.NullOr(Schema.String),
  /** The plan's overrides of triage rules, as stored; triage decodes them with its own schema. */
  plan_overrides: Schema.NullOr(JsonColumn(Schema.Record(Schema.String, Schema.Unknown)))
})
type OwnerRow = typeof OwnerRow.Type
const ownerRows = rowsOf("devices", OwnerRow)
/** What every owner lookup reads (one device, a page of the fleet, a chunk of absences): the columns of OwnerRow. */
const OwnerSelect = `SELECT d.id, d.resident_id, d.type, d.sensor, d.placement, d.heartbeat_interval_s, d.active, d.triggers,
  r.dementia, r.geofence, r.response_plan_id, r.plan_overrides
  FROM devices d JOIN residents r ON r.tenant = d.tenant AND r.id = d.resident_id`

const ResidentRow = Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  display_name: Schema.String,
  birth_year: Schema.NullOr(Schema.Number),
  language: Schema.String,
  dementia: Schema.Boolean,
  mobility: Schema.NullOr(Mobility),
  health_notes: JsonColumn(Schema.Array(Schema.String)),
  /** As a record shows it: a key safe's sealed code is left out. */
  key_access: JsonColumn(KeyAccessView),
  gps_legal_basis: Schema.NullOr(GpsLegalBasis),
  geofence: Schema.NullOr(JsonColumn(Geofence)),
  response_plan_id: Schema.NullOr(Schema.String)
})
const residentRows = rowsOf("residents", ResidentRow)

const AddressRow = Schema.Struct({
  kind: AddressKind,
  street: Schema.String,
  postcode: Schema.String,
  city: Schema.String,
  lat: Schema.NullOr(Schema.Number),
  lon: Schema.NullOr(Schema.Number),
  valid_from: Schema.NullOr(Schema.String),
  valid_to: Schema.NullOr(Schema.String)
})
const addressRows = rowsOf("addresses", AddressRow)
const contactRows = rowsOf("contacts", Contact)
const planRows = rowsOf("response_plans", Schema.Struct({ id: Schema.String, alarm_type: Schema.String, title: Schema.String, steps: JsonColumn(Schema.Array(Schema.String)) }))
const deviceRows = rowsOf("devices", DeviceRow)
const tenantDeviceRows = rowsOf("devices", TenantDeviceRow)
const ingestKeyRows = rowsOf("ingest_keys", Schema.Struct({ tenant: Schema.String }))
const registryVersionRows = rowsOf("registry_versions", Schema.Struct({ version: Schema.Number }))
const keyAccessRows = rowsOf("residents", Schema.Struct({ key_access: Schema.Unknown }))
const residentNameRows = rowsOf("residents", Schema.Struct({ id: Schema.String, display_name: Schema.String }))

const userRows = rowsOf("users", UserRow)
const passwordRows = rowsOf("users", Schema.Struct({ ...UserRow.fields, password_hash: Schema.String }))

const profileOf = (row: OwnerRow): TriageProfile => ({
  dementia: row.dementia,
  ...(row.geofence !== null ? { geofence: row.geofence } : {}),
  ...(row.response_plan_id !== null ? { planId: row.response_plan_id } : {}),
  ...(row.plan_overrides !== null ? { planOverrides: row.plan_overrides } : {})
})

const ownerOf = (row: OwnerRow, resident: TriageProfile = profileOf(row), intern: <S extends string>(s: S) => S = (s) => s): DeviceOwner => ({
  residentId: row.resident_id,
  deviceType: intern(row.type),
  ...(row.sensor !== null ? { sensor: intern(row.sensor) } : {}),
  placement: intern(row.placement ?? ""),
  heartbeatIntervalS: row.heartbeat_interval_s,
  resident
})

const sameProfile = (a: TriageProfile, b: TriageProfile) =>
  a.dementia === b.dementia && a.planId === b.planId &&
  JSON.stringify(a.geofence) === JSON.stringify(b.geofence) && JSON.stringify(a.planOverrides) === JSON.stringify(b.planOverrides)

/** Same device fields and the same profile object (a resident's profile is settled once per load). */
const sameOwner = (a: DeviceOwner, b: DeviceOwner) =>
  a.residentId === b.residentId && a.deviceType === b.deviceType && a.sensor === b.sensor &&
  a.placement === b.placement && a.heartbeatIntervalS === b.heartbeatIntervalS && a.resident === b.resident

/**
 * Builds a tenant's fleet from pages of rows: one profile object per resident, one copy of
 * each repeated value, and the previous snapshot's entry wherever nothing changed. With
 * 100,000 devices a reload then holds one page of rows and no second copy of the fleet
 * (triage-bulk ran out of its heap reloading every row at once beside the old snapshot).
 */
const makeFleetBuilder = (previous: ReadonlyMap<string, DeviceOwner> | undefined) => {
  const intern = makeInterner()
  const profiles = new Map<string, TriageProfile>()
  const fleet = new Map<string, DeviceOwner>()
  const add = (row: OwnerRow) => {
    const known = previous?.get(row.id)
    let profile = profiles.get(row.resident_id)
    if (profile === undefined) {
      const made = profileOf(row)
      // The resident's profile from the last load when it has not changed, so its devices' entries can be kept.
      profile = known !== undefined && known.residentId === row.resident_id && sameProfile(known.resident, made)
        ? known.resident
        : made.planId === undefined ? made : { ...made, planId: intern(made.planId) }
      profiles.set(row.resident_id, profile)
    }
    const fresh = ownerOf(row, profile, intern)
    fleet.set(row.id, known !== undefined && sameOwner(known, fresh) ? known : fresh)
  }
  return { add, fleet }
}

const supervisedOf = (intern: <S extends string>(s: S) => S) => (row: TenantDeviceRow): SupervisedDevice => ({
  tenant: intern(row.tenant),
  deviceId: row.id,
  residentId: row.resident_id,
  deviceType: intern(row.type),
  ...(row.sensor !== null ? { sensor: intern(row.sensor) } : {}),
  heartbeatIntervalS: row.heartbeat_interval_s
})

/** Rows per query when a whole fleet is read. */
export const FleetPageSize = 5_000

/**
 * How old a tenant's device snapshot may get before it is checked against the tenant's registry
 * version (in the background), and read again if that moved. The check is one row, so it can be often.
 */
const SnapshotCheckMs = 2_000

/**
 * Whether device owners come from whole-fleet snapshots (`WT_REGISTRY_FLEET_SNAPSHOT`,
 * default on). Worth it where every device reports (heartbeats, positions); not in the
 * alarm-lane process, where care alarms are rare and a 100,000-row reload after every registry
 * change (and the heap it holds) would stall the very events that must not wait.
 */
const FleetSnapshotConfig = Config.Boolean("WT_REGISTRY_FLEET_SNAPSHOT").pipe(Config.withDefault(true))

export class Registry extends Context.Service<Registry, RegistryShape>()("wt/Registry") {
  static readonly layer = Layer.effect(
    Registry,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const keyAccess = yield* keyAccessSealFromConfig

      // A device registered since the tenant's snapshot was loaded (or an unknown one) is looked up alone.
      const owners = makeLookupCache({
        lookup: (key: string) => {
          const [tenant = "", deviceId = ""] = key.split("\u0000")
          return sql`
            ${sql.literal(OwnerSelect)}
            WHERE d.tenant = ${tenant} AND d.id = ${deviceId} AND d.active`.pipe(
            Effect.flatMap(ownerRows),
            Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (row) => ownerOf(row)))
          )
        },
        capacity: 50_000,
        timeToLiveMs: CacheTtlMs
      })

      const loadTenant = Effect.fn("Registry.loadTenant")(function*(tenant: string, previous: ReadonlyMap<string, DeviceOwner> | undefined) {
        const builder = makeFleetBuilder(previous)
        let after = ""
        while (true) {
          const rows = yield* sql`
            ${sql.literal(OwnerSelect)}
            WHERE d.tenant = ${tenant} AND d.active AND d.id > ${after}
            ORDER BY d.id LIMIT ${FleetPageSize}`.pipe(Effect.flatMap(ownerRows))
          for (const row of rows) builder.add(row)
          if (rows.length < FleetPageSize) return builder.fleet
          after = rows[rows.length - 1]!.id
        }
      })
      // Moved by every change to devices or residents (migration 0015); 0 before the first. Only
      // compared for change: the remainder fits an integer, which the driver hands over as a number.
      const versionFrom = <E, R>(query: Effect.Effect<ReadonlyArray<unknown>, E, R>) =>
        query.pipe(Effect.flatMap(registryVersionRows), Effect.map((rows) => rows[0]?.version ?? 0))
      const tenantVersion = (tenant: string) =>
        versionFrom(sql`SELECT (version % 1000000000)::integer AS version FROM registry_versions WHERE tenant = ${tenant}`)
      const fleetVersion = versionFrom(sql`SELECT (coalesce(sum(version), 0) % 1000000000)::integer AS version FROM registry_versions`)
      const fleets = (yield* FleetSnapshotConfig) ? yield* makeTenantSnapshots(loadTenant, SnapshotCheckMs, tenantVersion) : undefined

      const ingestKeys = makeLookupCache({
        lookup: (keyHash: string) =>
          sql`SELECT tenant FROM ingest_keys WHERE key_hash = ${keyHash}`.pipe(
            Effect.flatMap(ingestKeyRows),
            Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (row) => row.tenant))
          ),
        capacity: 1_000,
        timeToLiveMs: CacheTtlMs
      })

      // Per message: Effect.fn's span and call-site Error (a captured stack per call) cost more than this work.
      const deviceOwner = Effect.fnUntraced(function*(tenant: string, deviceId: string) {
        const fleet = fleets === undefined ? undefined : yield* fleets.get(tenant)
        const owner = fleet?.get(deviceId)
        if (owner !== undefined) return Option.some(owner)
        return yield* owners.get(`${tenant}\u0000${deviceId}`)
      })

      const deviceOwnerNow = (tenant: string, deviceId: string) => fleets?.fresh(tenant)?.get(deviceId)

      const deviceOwners = Effect.fn("Registry.deviceOwners")(function*(tenant: string, deviceIds: ReadonlyArray<string>) {
        const owners = new Map<string, DeviceOwner>()
        if (deviceIds.length === 0) return owners
        const rows = yield* sql`
          ${sql.literal(OwnerSelect)}
          WHERE d.tenant = ${tenant} AND d.id IN ${sql.in(deviceIds)} AND d.active`.pipe(Effect.flatMap(ownerRows))
        for (const row of rows) owners.set(row.id, ownerOf(row))
        return owners
      })

      const tenantForIngestKey = Effect.fn("Registry.tenantForIngestKey")(function*(key: string) {
        return yield* ingestKeys.get(hashIngestKey(key))
      })

      const resident = Effect.fn("Registry.resident")(function*(tenant: string, residentId: string) {
        const [row] = yield* sql`
          SELECT id, tenant, display_name, birth_year, language, dementia, mobility, health_notes,
                 key_access, gps_legal_basis, geofence, response_plan_id
          FROM residents WHERE tenant = ${tenant} AND id = ${residentId}`.pipe(Effect.flatMap(residentRows))
        if (row === undefined) return Option.none<ResidentRecord>()
        const [addresses, contacts, devices, plan] = yield* Effect.all([
          sql`
            SELECT kind, street, postcode, city, lat, lon, valid_from::text AS valid_from, valid_to::text AS valid_to
            FROM addresses WHERE tenant = ${tenant} AND resident_id = ${residentId}
            ORDER BY valid_from NULLS FIRST, kind`.pipe(Effect.flatMap(addressRows)),
          sql`
            SELECT name, relation, phone, keyholder FROM contacts
            WHERE tenant = ${tenant} AND resident_id = ${residentId} ORDER BY position`.pipe(Effect.flatMap(contactRows)),
          sql`
            SELECT id, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
            FROM devices WHERE tenant = ${tenant} AND resident_id = ${residentId} ORDER BY id`.pipe(Effect.flatMap(deviceRows)),
          row.response_plan_id === null
            ? Effect.succeed([])
            : sql`
              SELECT id, alarm_type, title, steps FROM response_plans
              WHERE tenant = ${tenant} AND id = ${row.response_plan_id} ORDER BY alarm_type`.pipe(Effect.flatMap(planRows))
        ], { concurrency: 1 })
        const record: ResidentRecord = {
          id: row.id,
          tenant: row.tenant,
          displayName: row.display_name,
          birthYear: row.birth_year ?? 0,
          language: row.language,
          addresses: addresses.map((a) => ({
            kind: a.kind,
            street: a.street,
            postcode: a.postcode,
            city: a.city,
            lat: a.lat ?? Number.NaN,
            lon: a.lon ?? Number.NaN,
            ...(a.valid_from !== null ? { validFrom: a.valid_from } : {}),
            ...(a.valid_to !== null ? { validTo: a.valid_to } : {})
          })),
          healthNotes: row.health_notes,
          mobility: row.mobility ?? "independent",
          keyAccess: row.key_access,
          dementia: row.dementia,
          ...(row.gps_legal_basis !== null ? { gpsLegalBasis: row.gps_legal_basis } : {}),
          ...(row.geofence !== null ? { geofence: row.geofence } : {}),
          contacts,
          responsePlanId: row.response_plan_id ?? "",
          devices: devices.map((d) => ({ ...deviceFromRow(d), heartbeatIntervalS: d.heartbeat_interval_s, active: d.active })),
          responsePlan: plan.map((p): ResponsePlanStep => ({ id: p.id, alarmType: p.alarm_type, title: p.title, steps: p.steps }))
        }
        return Option.some(record)
      })

      const keySafeCode = Effect.fn("Registry.keySafeCode")(function*(tenant: string, residentId: string) {
        const [row] = yield* sql`SELECT key_access FROM residents WHERE tenant = ${tenant} AND id = ${residentId}`.pipe(Effect.flatMap(keyAccessRows))
        if (row === undefined) return Option.none<string>()
        return yield* keyAccess.open(tenant, residentId, row.key_access)
      })

      const exportTenant = Effect.fn("Registry.exportTenant")(function*(tenant: string) {
        const residents = yield* sql`
          SELECT id, display_name FROM residents WHERE tenant = ${tenant} ORDER BY id`.pipe(Effect.flatMap(residentNameRows))
        const devices = yield* sql`
          SELECT id, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
          FROM devices WHERE tenant = ${tenant} AND active ORDER BY resident_id, id`.pipe(Effect.flatMap(deviceRows))
        const byResident = new Map<string, Array<DeviceRow>>()
        for (const d of devices) {
          const list = byResident.get(d.resident_id)
          if (list === undefined) byResident.set(d.resident_id, [d])
          else list.push(d)
        }
        const identities = yield* tenantIdentities(tenant).pipe(Effect.provideService(SqlClient.SqlClient, sql))
        return {
          tenant,
          residents: residents.map((r) => ({
            id: r.id,
            displayName: r.display_name,
            devices: (byResident.get(r.id) ?? []).map((d) => ({ ...deviceFromRow(d), ...exportedIdentities(identities.get(d.id) ?? []) }))
          }))
        } satisfies TenantExport
      })

      const activeDevicesPage = Effect.fn("Registry.activeDevicesPage")(function*(after: DevicePosition | undefined, limit: number) {
        const rows = yield* (after === undefined
          ? sql`
            SELECT tenant, id, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
            FROM devices WHERE active ORDER BY tenant, id LIMIT ${limit}`
          : sql`
            SELECT tenant, id, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
            FROM devices WHERE active AND (tenant, id) > (${after.tenant}, ${after.deviceId}) ORDER BY tenant, id LIMIT ${limit}`).pipe(
          Effect.flatMap(tenantDeviceRows)
        )
        return rows.map(supervisedOf(makeInterner()))
      })

      const activeDevices = Effect.fn("Registry.activeDevices")(function*(tenant?: string) {
        const rows = yield* (tenant === undefined
          ? sql`
            SELECT tenant, id, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
            FROM devices WHERE active ORDER BY tenant, id`
          : sql`
            SELECT tenant, id, resident_id, type, sensor, placement, heartbeat_interval_s, active, triggers
            FROM devices WHERE active AND tenant = ${tenant} ORDER BY tenant, id`).pipe(
          Effect.flatMap(tenantDeviceRows)
        )
        return rows.map(supervisedOf(makeInterner()))
      })

      const forgetCached = Effect.gen(function*() {
        yield* owners.invalidateAll
        fleets?.invalidateAll()
        yield* ingestKeys.invalidateAll
      })

      const verifyPassword = Effect.fn("Registry.verifyPassword")(
        function*(username: string, password: string | Redacted.Redacted<string>) {
          const [row] = yield* sql`
            SELECT id, username, display_name, role, tenants, password_hash FROM users WHERE username = ${username}`.pipe(Effect.flatMap(passwordRows))
          const plain = Redacted.isRedacted(password) ? Redacted.value(password) : password
          // Unknown users cost the same as known ones, so timing does not reveal which usernames exist.
          const ok = yield* Effect.promise(() =>
            verifyPasswordHash(plain, row?.password_hash ?? unknownUserHash).catch(() => false)
          )
          if (row === undefined || !ok) return Option.none<User>()
          return Option.some(userFromRow(row))
        }
      )

      const userByName = Effect.fn("Registry.userByName")(function*(username: string) {
        const [row] = yield* sql`
          SELECT id, username, display_name, role, tenants FROM users WHERE username = ${username}`.pipe(Effect.flatMap(userRows))
        return Option.map(Option.fromNullishOr(row), userFromRow)
      })

      return Registry.of({
        deviceOwner,
        deviceOwners,
        deviceOwnerNow,
        tenantForIngestKey,
        resident,
        keySafeCode,
        exportTenant,
        activeDevices,
        activeDevicesPage,
        fleetVersion,
        verifyPassword,
        userByName,
        forgetCached
      })
    })
  )
}

// A valid hash of a random password nobody knows, checked against for unknown usernames.
const unknownUserHash =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$9Hq0lqXqXfK0yWQv4c1yv3gXqkq0nYbP6w0qQjJg1aA"
