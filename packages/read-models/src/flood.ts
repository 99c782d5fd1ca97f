import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Alarm flood (ISA-18.2 / EEMUA 191): more than 10 alarms in 10 minutes per operator on
 * duty starts a flood, which ends when the rate falls below 5.
 */
export const FloodStartsAbove = 10
export const FloodEndsBelow = 5

export interface FloodFigures {
  readonly tenant: string
  readonly alarmsLast10Min: number
  readonly operatorsOnDuty: number
  /** Alarms per 10 minutes per operator on duty; with nobody on duty, per one (imagined) operator. */
  readonly rate: number
}

/** Whether a tenant is in flood now, given whether it was and its current rate (hysteresis). */
export const inFlood = (wasInFlood: boolean, rate: number): boolean => (wasInFlood ? rate >= FloodEndsBelow : rate > FloodStartsAbove)

/** Per tenant: incidents opened in the last 10 minutes, and operators with a live session. */
export const floodFigures = Effect.fn("ReadModels.floodFigures")(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ tenant: string; alarms: string | number; operators: string | number }>`
    WITH alarms AS (
      SELECT tenant, count(*) AS alarms FROM incidents WHERE opened_at > now() - interval '10 minutes' GROUP BY tenant
    ), operators AS (
      SELECT t.tenant, count(DISTINCT u.id) AS operators
      FROM sessions s JOIN users u ON u.id = s.user_id CROSS JOIN LATERAL unnest(u.tenants) AS t(tenant)
      WHERE s.expires_at > now() AND u.role = 'operator'
      GROUP BY t.tenant
    )
    SELECT coalesce(a.tenant, o.tenant) AS tenant, coalesce(a.alarms, 0) AS alarms, coalesce(o.operators, 0) AS operators
    FROM alarms a FULL OUTER JOIN operators o ON o.tenant = a.tenant`
  return rows.map((r): FloodFigures => {
    const alarms = Number(r.alarms)
    const operators = Number(r.operators)
    return { tenant: r.tenant, alarmsLast10Min: alarms, operatorsOnDuty: operators, rate: alarms / Math.max(1, operators) }
  })
})
