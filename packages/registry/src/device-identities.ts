import { Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { DeviceType, SensorKind } from "@wt/contracts"
import { makeLookupCache } from "./lookup-cache.ts"
import { type RegistryRowInvalid, rowsOf } from "./rows.ts"

/** The alarm protocols a device may speak besides our JSON (contract: `source.via` of what they send). */
export const Protocols = ["dc09", "scaip", "osmand", "webhook"] as const
export type Protocol = (typeof Protocols)[number]
const ProtocolSchema = Schema.Literals(Protocols)

/**
 * How a device is known on one protocol's wire: a DC-09 account (with the receiver number and
 * line prefix it is set up for, when it is bound to them), a SCAIP caller id, an OsmAnd device id,
 * or a vendor's own id for the device (with the vendor). Unique across the installation.
 */
export interface WireIdentity {
  readonly protocol: Protocol
  readonly identity: string
  /** Webhooks: the vendor whose platform posts for the device. */
  readonly vendor?: string
  /** DC-09: the receiver number (`R`) and line prefix (`L`) the unit sends with, when bound to them. */
  readonly receiver?: string
  readonly line?: string
}

/** A wire identity as an administrator sets it: with the DC-09 AES key (hex), when the unit encrypts. */
export interface WireIdentityInput extends WireIdentity {
  readonly key?: Redacted.Redacted<string>
}

/** A wire identity as shown: whether a key is set and its last four hex digits, never the key. */
export interface WireIdentityView extends WireIdentity {
  readonly keyHint?: string
}

/** The device a frame comes from, as a receiver needs it. */
export interface IdentifiedDevice {
  readonly tenant: string
  readonly deviceId: string
  readonly deviceType: DeviceType
  readonly sensor?: typeof SensorKind.Type
  readonly receiver?: string
  readonly line?: string
  /** DC-09: the AES key (hex) the unit encrypts with. */
  readonly key?: Redacted.Redacted<string>
}

export class IdentityTaken extends Schema.TaggedError<IdentityTaken>()("IdentityTaken", {
  message: Schema.String
}, { httpApiStatus: 409 }) {}

export class IdentityDeviceNotFound extends Schema.TaggedError<IdentityDeviceNotFound>()("IdentityDeviceNotFound", {
  message: Schema.String
}, { httpApiStatus: 404 }) {}

export class IdentityInvalid extends Schema.TaggedError<IdentityInvalid>()("IdentityInvalid", {
  message: Schema.String
}, { httpApiStatus: 400 }) {}

const IdentityRow = Schema.Struct({
  tenant: Schema.String,
  device_id: Schema.String,
  protocol: ProtocolSchema,
  vendor: Schema.String,
  identity: Schema.String,
  receiver: Schema.NullOr(Schema.String),
  line: Schema.NullOr(Schema.String),
  secret: Schema.NullOr(Schema.String)
})
type IdentityRow = typeof IdentityRow.Type
const identityRows = rowsOf("device_identities", IdentityRow)
const identifiedRows = rowsOf("device_identities", Schema.Struct({ ...IdentityRow.fields, type: DeviceType, sensor: Schema.NullOr(SensorKind) }))
const ownerRows = rowsOf("device_identities", Schema.Struct({ tenant: Schema.String, device_id: Schema.String }))
const secretRows = rowsOf("device_identities", Schema.Struct({ secret: Schema.NullOr(Schema.String) }))

const viewOf = (row: IdentityRow): WireIdentityView => ({
  protocol: row.protocol,
  identity: row.identity,
  ...(row.vendor !== "" ? { vendor: row.vendor } : {}),
  ...(row.receiver !== null ? { receiver: row.receiver } : {}),
  ...(row.line !== null ? { line: row.line } : {}),
  ...(row.secret !== null ? { keyHint: `…${row.secret.slice(-4)}` } : {})
})

/**
 * A device's identities as `registry export` lists them beside its id and type (contract): a
 * `dc09` object with the account (receiver and line when bound, whether it encrypts), `scaip`
 * with the caller id, `osmand` with the id, `webhook` with the vendor and its id. Keys left out.
 */
export interface ExportedIdentities {
  readonly dc09?: { readonly account: string; readonly receiver?: string; readonly line?: string; readonly encrypted: boolean }
  readonly scaip?: { readonly cid: string }
  readonly osmand?: { readonly id: string }
  readonly webhook?: { readonly vendor: string; readonly id: string }
}

export const exportedIdentities = (views: ReadonlyArray<WireIdentityView>): ExportedIdentities => {
  const out: { -readonly [K in keyof ExportedIdentities]: ExportedIdentities[K] } = {}
  for (const v of views) {
    if (v.protocol === "dc09") {
      out.dc09 = {
        account: v.identity,
        ...(v.receiver !== undefined ? { receiver: v.receiver } : {}),
        ...(v.line !== undefined ? { line: v.line } : {}),
        encrypted: v.keyHint !== undefined
      }
    } else if (v.protocol === "scaip") out.scaip = { cid: v.identity }
    else if (v.protocol === "osmand") out.osmand = { id: v.identity }
    else out.webhook = { vendor: v.vendor ?? "", id: v.identity }
  }
  return out
}

/** What each protocol's identity may look like, so a typo is refused when it is set, not when frames go unanswered. */
const identityPatterns: Record<Protocol, RegExp> = {
  // DC-09 accounts are 3 to 16 hexadecimal digits; receiver up to 6, line 1 to 6.
  dc09: /^[0-9A-Fa-f]{3,16}$/u,
  // A controller id, or controller/device when the unit names the device behind it.
  scaip: /^[A-Za-z0-9_.:+-]{1,32}(?:\/[A-Za-z0-9_.:+-]{1,31})?$/u,
  osmand: /^[A-Za-z0-9_.:-]{1,64}$/u,
  webhook: /^[A-Za-z0-9_.:-]{1,64}$/u
}

/** Why an identity cannot be set, or undefined when it can. */
export const identityProblem = (input: WireIdentityInput): string | undefined => {
  if (!Protocols.includes(input.protocol)) return `protocol must be one of ${Protocols.join(", ")}`
  if (!identityPatterns[input.protocol].test(input.identity)) return `not a valid ${input.protocol} identity: "${input.identity.slice(0, 70)}"`
  if ((input.protocol === "webhook") !== (input.vendor !== undefined && input.vendor !== "")) {
    return input.protocol === "webhook" ? "a webhook identity needs its vendor" : "only a webhook identity has a vendor"
  }
  if (input.vendor !== undefined && !/^[a-z0-9-]{1,40}$/u.test(input.vendor)) return "vendor must be 1-40 characters of a-z, 0-9 or -"
  if (input.protocol !== "dc09" && (input.receiver !== undefined || input.line !== undefined || input.key !== undefined)) {
    return "receiver, line and key belong to DC-09 identities only"
  }
  if (input.receiver !== undefined && !/^[0-9A-Fa-f]{1,6}$/u.test(input.receiver)) return "receiver must be 1-6 hexadecimal digits"
  if (input.line !== undefined && !/^[0-9A-Fa-f]{1,6}$/u.test(input.line)) return "line must be 1-6 hexadecimal digits"
  if (input.key !== undefined && !/^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{64})$/u.test(Redacted.value(input.key))) {
    return "key must be an AES key of 128, 192 or 256 bits in hexadecimal (32, 48 or 64 digits)"
  }
  return undefined
}

/** Every identity of a tenant's devices, by device id, keys left out. */
export const tenantIdentities = Effect.fn("DeviceIdentities.ofTenant")(function*(tenant: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`SELECT * FROM device_identities WHERE tenant = ${tenant} ORDER BY device_id, protocol`.pipe(Effect.flatMap(identityRows))
  const byDevice = new Map<string, Array<WireIdentityView>>()
  for (const row of rows) {
    const list = byDevice.get(row.device_id)
    if (list === undefined) byDevice.set(row.device_id, [viewOf(row)])
    else list.push(viewOf(row))
  }
  return byDevice as ReadonlyMap<string, ReadonlyArray<WireIdentityView>>
})

const LookupTtlMs = Duration.toMillis(Duration.seconds(10))

/**
 * The devices' identities on the alarm protocols' wires. A receiver asks for every frame, so
 * answers (an unknown identity too) are remembered for 10 s; a frame from a device set up a
 * moment ago may be refused as unknown until then, and its sender retries.
 */
export class DeviceIdentities extends Context.Service<DeviceIdentities, {
  /** The device behind an identity on a protocol's wire (`vendor` for webhooks). */
  readonly find: (protocol: Protocol, identity: string, vendor?: string) => Effect.Effect<Option.Option<IdentifiedDevice>, SqlError | RegistryRowInvalid>
  /** A device's identities, keys left out. */
  readonly ofDevice: (tenant: string, deviceId: string) => Effect.Effect<ReadonlyArray<WireIdentityView>, SqlError | RegistryRowInvalid>
  /** Every identity of a tenant's devices, by device id, keys left out. */
  readonly ofTenant: (tenant: string) => Effect.Effect<ReadonlyMap<string, ReadonlyArray<WireIdentityView>>, SqlError | RegistryRowInvalid>
  /**
   * Sets (or replaces) the device's identity on the input's protocol. Without `key` the identity
   * has none, unless `keepKey`: then the key it has (if any) stays, so an administrator can change
   * an account or line without being handed the key to send back.
   */
  readonly assign: (tenant: string, deviceId: string, input: WireIdentityInput, options?: { readonly keepKey?: boolean }) => Effect.Effect<WireIdentityView, IdentityInvalid | IdentityTaken | IdentityDeviceNotFound | SqlError | RegistryRowInvalid>
  readonly remove: (tenant: string, deviceId: string, protocol: Protocol) => Effect.Effect<boolean, SqlError>
}>()("wt/DeviceIdentities") {
  static readonly layer = Layer.effect(
    DeviceIdentities,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const lookup = Effect.fn("DeviceIdentities.lookup")(function*(key: string) {
        const [protocol, vendor, identity] = JSON.parse(key) as [Protocol, string, string]
        const rows = yield* sql`
          SELECT i.tenant, i.device_id, i.protocol, i.vendor, i.identity, i.receiver, i.line, i.secret, d.type, d.sensor
          FROM device_identities i JOIN devices d ON d.tenant = i.tenant AND d.id = i.device_id
          WHERE i.protocol = ${protocol} AND i.vendor = ${vendor} AND i.identity = ${identity} AND d.active`.pipe(Effect.flatMap(identifiedRows))
        const row = rows[0]
        if (row === undefined) return Option.none<IdentifiedDevice>()
        return Option.some<IdentifiedDevice>({
          tenant: row.tenant,
          deviceId: row.device_id,
          deviceType: row.type,
          ...(row.sensor !== null ? { sensor: row.sensor } : {}),
          ...(row.receiver !== null ? { receiver: row.receiver } : {}),
          ...(row.line !== null ? { line: row.line } : {}),
          ...(row.secret !== null ? { key: Redacted.make(row.secret) } : {})
        })
      })
      const cache = makeLookupCache({ lookup, capacity: 20_000, timeToLiveMs: LookupTtlMs })

      const find = Effect.fn("DeviceIdentities.find")(function*(protocol: Protocol, identity: string, vendor = "") {
        // DC-09 accounts are hexadecimal: a unit may send them in either case.
        const normalised = protocol === "dc09" ? identity.toUpperCase() : identity
        return yield* cache.get(JSON.stringify([protocol, vendor, normalised]))
      })

      const ofDevice = Effect.fn("DeviceIdentities.ofDevice")(function*(tenant: string, deviceId: string) {
        const rows = yield* sql`SELECT * FROM device_identities WHERE tenant = ${tenant} AND device_id = ${deviceId} ORDER BY protocol`.pipe(
          Effect.flatMap(identityRows)
        )
        return rows.map(viewOf)
      })

      const ofTenant = (tenant: string) => Effect.provideService(tenantIdentities(tenant), SqlClient.SqlClient, sql)

      const assign = Effect.fn("DeviceIdentities.assign")(function*(tenant: string, deviceId: string, input: WireIdentityInput, options?: { readonly keepKey?: boolean }) {
        const problem = identityProblem(input)
        if (problem !== undefined) return yield* new IdentityInvalid({ message: problem })
        const device = yield* sql`SELECT 1 FROM devices WHERE tenant = ${tenant} AND id = ${deviceId}`
        if (device.length === 0) return yield* new IdentityDeviceNotFound({ message: `no device ${deviceId}` })
        const row = {
          tenant,
          device_id: deviceId,
          protocol: input.protocol,
          vendor: input.vendor ?? "",
          identity: input.protocol === "dc09" ? input.identity.toUpperCase() : input.identity,
          receiver: input.receiver?.toUpperCase() ?? null,
          line: input.line?.toUpperCase() ?? null,
          secret: input.key !== undefined ? Redacted.value(input.key).toLowerCase() : null
        }
        const taken = yield* sql`SELECT tenant, device_id FROM device_identities
          WHERE protocol = ${row.protocol} AND vendor = ${row.vendor} AND identity = ${row.identity}`.pipe(Effect.flatMap(ownerRows))
        if (taken.some((t) => t.tenant !== tenant || t.device_id !== deviceId)) {
          return yield* new IdentityTaken({ message: `${row.protocol} identity ${row.identity} belongs to another device` })
        }
        const keepKey = options?.keepKey === true && row.secret === null
        const stored = yield* sql`INSERT INTO device_identities ${sql.insert(row)}
          ON CONFLICT (tenant, device_id, protocol) DO UPDATE SET vendor = excluded.vendor, identity = excluded.identity,
            receiver = excluded.receiver, line = excluded.line,
            secret = CASE WHEN ${keepKey} THEN device_identities.secret ELSE excluded.secret END
          RETURNING secret`.pipe(
          // Another device took it between the check and the write.
          Effect.catchTag("SqlError", (e): Effect.Effect<never, IdentityTaken | SqlError> =>
            /device_identities_protocol_vendor_identity_key|unique/iu.test(String(e.cause))
              ? Effect.fail(new IdentityTaken({ message: `${row.protocol} identity ${row.identity} belongs to another device` }))
              : Effect.fail(e)),
          Effect.flatMap(secretRows)
        )
        yield* cache.invalidateAll
        return viewOf({ ...row, secret: stored[0]?.secret ?? null })
      })

      const remove = Effect.fn("DeviceIdentities.remove")(function*(tenant: string, deviceId: string, protocol: Protocol) {
        const rows = yield* sql`DELETE FROM device_identities WHERE tenant = ${tenant} AND device_id = ${deviceId} AND protocol = ${protocol} RETURNING 1`
        yield* cache.invalidateAll
        return rows.length > 0
      })

      return DeviceIdentities.of({ find, ofDevice, ofTenant, assign, remove })
    })
  )
}
