import { DeviceType, Role, SafetyAlarmTrigger, SensorKind, type User } from "@wt/contracts"
import { Effect, Schema, SchemaIssue } from "effect"

/**
 * A row the registry read does not fit its model (a value outside the model's literals, a
 * column of the wrong type, a jsonb value of the wrong shape): refused where it is read, not
 * passed on as a value of the wrong type. The message names the table and the fields, never the
 * values, which may be personal data.
 */
export class RegistryRowInvalid extends Schema.TaggedError<RegistryRowInvalid>()("RegistryRowInvalid", {
  table: Schema.String,
  message: Schema.String
}) {}

/** A jsonb column: an object from PostgreSQL, or its JSON text where a driver hands that over. */
export const JsonColumn = <S extends Schema.Top>(schema: S) => Schema.Union([schema, Schema.fromJsonString(schema)])

const issues = SchemaIssue.makeFormatterStandardSchemaV1()

/** Where a row went wrong, as `[3].mobility` (the row's index, then its column), without the value found there. */
const placesOf = (issue: SchemaIssue.Issue): string =>
  [...new Set(issues(issue).issues.map((i) => (i.path ?? []).map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")))].join(", ")

/** Decodes a query's rows with `row`; fails with RegistryRowInvalid for the first rows that do not fit. */
export const rowsOf = <S extends Schema.Top & { readonly DecodingServices: never }>(table: string, row: S) => {
  const decode = Schema.decodeUnknownEffect(Schema.Array(row))
  return (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<S["Type"]>, RegistryRowInvalid> =>
    Effect.mapError(decode(rows), (error) =>
      new RegistryRowInvalid({ table, message: `a ${table} row does not fit the registry's model at ${placesOf(error.issue)}` }))
}

/** A `devices` row. */
export const DeviceRow = Schema.Struct({
  id: Schema.String,
  resident_id: Schema.String,
  type: DeviceType,
  sensor: Schema.NullOr(SensorKind),
  placement: Schema.NullOr(Schema.String),
  heartbeat_interval_s: Schema.Number,
  active: Schema.Boolean,
  triggers: Schema.NullOr(JsonColumn(Schema.Array(SafetyAlarmTrigger)))
})
export type DeviceRow = typeof DeviceRow.Type

export const TenantDeviceRow = Schema.Struct({ ...DeviceRow.fields, tenant: Schema.String })
export type TenantDeviceRow = typeof TenantDeviceRow.Type

/** A device as the registry's model has it: optional fields left out rather than null. */
export const deviceFromRow = (row: DeviceRow) => ({
  id: row.id,
  type: row.type,
  ...(row.sensor !== null ? { sensor: row.sensor } : {}),
  placement: row.placement ?? "",
  ...(row.triggers !== null ? { triggers: row.triggers } : {})
})

/** A `users` row, without its password hash. */
export const UserRow = Schema.Struct({ id: Schema.String, username: Schema.String, display_name: Schema.String, role: Role, tenants: Schema.Array(Schema.String) })

export const userFromRow = (row: typeof UserRow.Type): User => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  role: row.role,
  tenants: row.tenants
})
