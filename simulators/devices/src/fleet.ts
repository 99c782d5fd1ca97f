import { Effect, FileSystem, Schema } from "effect"
import { DeviceId, DeviceType, SafetyAlarmTrigger, SensorKind, TenantId } from "@wt/contracts"
import { demoFleet } from "@wt/registry/demo"

/**
 * What the simulator needs to know about a fleet: device ids, kinds and, for GPS,
 * where home is. Both the demo fleet and `wt registry export` satisfy it.
 */
export const SimDevice = Schema.Struct({
  id: DeviceId,
  type: DeviceType,
  sensor: Schema.optionalKey(SensorKind),
  placement: Schema.optionalKey(Schema.String),
  heartbeatIntervalS: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  triggers: Schema.optionalKey(Schema.Array(SafetyAlarmTrigger))
})
export type SimDevice = typeof SimDevice.Type

const Position = Schema.Struct({ lat: Schema.Number, lon: Schema.Number })

export const SimResident = Schema.Struct({
  id: Schema.String,
  devices: Schema.Array(SimDevice),
  geofence: Schema.optionalKey(Schema.Struct({ lat: Schema.Number, lon: Schema.Number, radiusM: Schema.Number })),
  addresses: Schema.optionalKey(Schema.Array(Position)),
  // The fleet model lets people with dementia wander and the bedbound stay in.
  dementia: Schema.optionalKey(Schema.Boolean),
  mobility: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type SimResident = typeof SimResident.Type

export interface SimFleet {
  readonly tenant: { readonly id: string }
  readonly residents: ReadonlyArray<SimResident>
}

/** `wt registry export --tenant <t>`; the tenant may be given as an id or as `{ id, name }`. */
const RegistryExport = Schema.Struct({
  tenant: Schema.Union([TenantId, Schema.Struct({ id: TenantId })]),
  residents: Schema.Array(SimResident)
})

export class InvalidRegistryFile extends Schema.TaggedError<InvalidRegistryFile>()("InvalidRegistryFile", {
  path: Schema.String,
  reason: Schema.String
}) {}

/** The demo fleet the registry is seeded with; pass the same options the registry used. */
export const demoSimFleet = (options: { readonly tenant?: string; readonly residents?: number; readonly seed?: number } = {}): SimFleet =>
  demoFleet(options)

export const decodeRegistryExport = (input: unknown): Effect.Effect<SimFleet, Schema.SchemaError> =>
  Schema.decodeUnknownEffect(RegistryExport)(input).pipe(
    Effect.map(({ residents, tenant }) => ({ tenant: typeof tenant === "string" ? { id: tenant } : tenant, residents }))
  )

export const readRegistryFile = Effect.fn("SimFleet.readRegistryFile")(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(path).pipe(
    Effect.mapError((error) => new InvalidRegistryFile({ path, reason: error.message }))
  )
  const json = yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) => new InvalidRegistryFile({ path, reason: `not JSON: ${String(error)}` })
  })
  return yield* decodeRegistryExport(json).pipe(
    Effect.mapError((error) => new InvalidRegistryFile({ path, reason: error.message }))
  )
})
