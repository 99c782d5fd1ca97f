import { DeviceType } from "@wt/contracts"
import { Array as Arr, Effect, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { rowsOf } from "../rows.ts"
import { demoIdentities } from "./demo-identities.ts"

// Six values a row: well under PostgreSQL's 65535 bind parameters.
const RowsPerStatement = 2000

const deviceRows = rowsOf("devices", Schema.Struct({ id: Schema.String, type: DeviceType }))

/**
 * Gives every demo device of `tenant` its wire identities (see `demoIdentities`). Idempotent; an
 * identity an administrator changed since is left as it is.
 */
export const seedDemoIdentities = Effect.fn("DemoSeeder.seedDemoIdentities")(function*(
  tenant: string,
  tenantDigit: string,
  dc09Secret: Redacted.Redacted<string> | undefined
) {
  const sql = yield* SqlClient.SqlClient
  const devices = yield* sql`SELECT id, type FROM devices WHERE tenant = ${tenant} ORDER BY id`.pipe(Effect.flatMap(deviceRows))
  const secret = dc09Secret === undefined ? undefined : Redacted.value(dc09Secret)
  const rows: ReadonlyArray<Record<string, unknown>> = devices.flatMap((device) =>
    demoIdentities(tenantDigit, device, secret).map((i) => ({
      tenant,
      device_id: device.id,
      protocol: i.protocol,
      vendor: i.vendor ?? "",
      identity: i.identity,
      secret: i.key === undefined ? null : Redacted.value(i.key)
    }))
  )
  for (let from = 0; from < rows.length; from += RowsPerStatement) {
    const batch = rows.slice(from, from + RowsPerStatement)
    if (Arr.isReadonlyArrayNonEmpty(batch)) yield* sql`INSERT INTO device_identities ${sql.insert(batch)} ON CONFLICT DO NOTHING`
  }
  return rows.length
})
