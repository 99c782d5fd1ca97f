import { AddressKind } from "@wt/contracts"
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { rowsOf } from "./rows.ts"

/** How a queue row names a resident: enough to tell people apart at a glance, not the record. */
export interface ResidentLabel {
  readonly id: string
  readonly tenant: string
  readonly displayName: string
  /** Where the resident is today: a current temporary address wins over home. */
  readonly city: string
  readonly temporaryAddress: boolean
}

const labelRows = rowsOf("residents", Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  display_name: Schema.String,
  city: Schema.NullOr(Schema.String),
  kind: Schema.NullOr(AddressKind)
}))

export const residentLabels = Effect.fn("Registry.residentLabels")(function*(tenants: ReadonlyArray<string>, ids: ReadonlyArray<string>) {
  if (tenants.length === 0 || ids.length === 0) return []
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    SELECT r.id, r.tenant, r.display_name, a.city, a.kind
    FROM residents r
    LEFT JOIN LATERAL (
      SELECT city, kind FROM addresses a
      WHERE a.tenant = r.tenant AND a.resident_id = r.id
        AND (a.valid_from IS NULL OR a.valid_from <= current_date) AND (a.valid_to IS NULL OR a.valid_to >= current_date)
      ORDER BY (a.kind = 'temporary') DESC LIMIT 1
    ) a ON true
    WHERE r.tenant IN ${sql.in(tenants)} AND r.id IN ${sql.in(ids)}`.pipe(Effect.flatMap(labelRows))
  return rows.map((r): ResidentLabel => ({
    id: r.id,
    tenant: r.tenant,
    displayName: r.display_name,
    city: r.city ?? "",
    temporaryAddress: r.kind === "temporary"
  }))
})
