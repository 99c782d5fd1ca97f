import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export interface StaffOnDuty {
  readonly tenant: string
  readonly id: string
  readonly displayName: string
}

/** Operators with a live console session, per tenant they work for (the same count the flood rate divides by). */
export const operatorsSignedIn = Effect.fn("ReadModels.operatorsSignedIn")(function*(tenants: ReadonlyArray<string>) {
  if (tenants.length === 0) return []
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ tenant: string; id: string; display_name: string }>`
    SELECT DISTINCT t.tenant, u.id, u.display_name
    FROM sessions s JOIN users u ON u.id = s.user_id CROSS JOIN LATERAL unnest(u.tenants) AS t(tenant)
    WHERE s.expires_at > now() AND u.role = 'operator' AND t.tenant IN ${sql.in(tenants)}
    ORDER BY t.tenant, u.display_name`
  return rows.map((r): StaffOnDuty => ({ tenant: r.tenant, id: r.id, displayName: r.display_name }))
})
