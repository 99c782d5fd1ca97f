import { Context, Effect, Layer } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import type { Actor, IncidentCategory, IncidentStatus, Owner, Priority } from "@wt/contracts"
import { EscalationLimitsConfig } from "@wt/incident"
import type { IncidentHistory, IncidentStep } from "./history.ts"
import type { WelfareTechnologyUsers } from "./indicators.ts"
import { buildReport, type ReportDocument, type ReportKind } from "./report-document.ts"

interface TransitionRow {
  readonly incident_id: string
  readonly tenant: string
  readonly resident_id: string
  readonly version: number
  readonly at: unknown
  readonly event_type: string
  readonly status: IncidentStatus
  readonly priority: Priority
  readonly category: IncidentCategory
  readonly owner: unknown
  readonly actor: unknown
  readonly received_at: unknown
  readonly alarm_type: string | null
  readonly detail: unknown
}

const parse = <A>(v: unknown): A => (typeof v === "string" ? JSON.parse(v) : v) as A
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString())

const stepOfRow = (r: TransitionRow): IncidentStep => ({
  version: r.version,
  at: iso(r.at),
  eventType: r.event_type,
  status: r.status,
  priority: r.priority,
  category: r.category,
  owner: parse<Owner>(r.owner),
  ...(r.actor === null ? {} : { actor: parse<Actor>(r.actor) }),
  ...(r.received_at === null ? {} : { receivedAt: iso(r.received_at) }),
  ...(r.alarm_type === null ? {} : { alarmType: r.alarm_type }),
  ...(r.detail === null ? {} : { detail: parse<Record<string, unknown>>(r.detail) })
})

export interface ReportRequest {
  readonly tenants: ReadonlyArray<string>
  readonly fromMs: number
  readonly toMs: number
  readonly nowMs: number
  readonly timeZone: string
  readonly operators?: number
}

/**
 * Reads what reports are computed from: the incidents received in a period with every
 * record of their history (`incident_transitions`, written by the projector), and the
 * registry's users of welfare technology. Always scoped to the given tenants.
 */
export class ReportSource extends Context.Service<ReportSource, {
  readonly histories: (tenants: ReadonlyArray<string>, fromMs: number, toMs: number) => Effect.Effect<ReadonlyArray<IncidentHistory>, SqlError.SqlError>
  readonly users: (tenants: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<WelfareTechnologyUsers>, SqlError.SqlError>
  readonly tenants: Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  readonly report: (kind: ReportKind, request: ReportRequest) => Effect.Effect<ReportDocument, SqlError.SqlError>
}>()("wt/ReportSource") {
  static readonly layer = Layer.effect(
    ReportSource,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // The same limits the escalation watch applies, so a gap here is what it escalated.
      const limits = yield* EscalationLimitsConfig

      const histories = Effect.fn("ReportSource.histories")(function*(tenants: ReadonlyArray<string>, fromMs: number, toMs: number) {
        if (tenants.length === 0) return []
        const rows = yield* sql<TransitionRow>`
          SELECT t.incident_id, t.tenant, t.resident_id, t.version, t.at, t.event_type, t.status, t.priority, t.category,
            t.owner, t.actor, t.received_at, t.alarm_type, t.detail
          FROM incident_transitions t
          JOIN (SELECT tenant, incident_id FROM incident_transitions
                WHERE version = 1 AND tenant IN ${sql.in(tenants)}
                  AND received_at >= ${new Date(fromMs).toISOString()} AND received_at < ${new Date(toMs).toISOString()}) o
            ON o.tenant = t.tenant AND o.incident_id = t.incident_id
          ORDER BY t.tenant, t.incident_id, t.version`
        const out: Array<IncidentHistory> = []
        let current: { incidentId: string; tenant: string; residentId: string; steps: Array<IncidentStep> } | undefined
        for (const r of rows) {
          if (current?.incidentId !== r.incident_id || current.tenant !== r.tenant) {
            current = { incidentId: r.incident_id, tenant: r.tenant, residentId: r.resident_id, steps: [] }
            out.push(current)
          }
          current.steps.push(stepOfRow(r))
        }
        return out
      })

      const users = Effect.fn("ReportSource.users")(function*(tenants: ReadonlyArray<string>) {
        if (tenants.length === 0) return []
        const rows = yield* sql<{ tenant: string; users: unknown; safety_alarm: unknown; sensor: unknown; gps: unknown; medication: unknown }>`
          SELECT tenant,
            count(DISTINCT resident_id) AS users,
            count(DISTINCT resident_id) FILTER (WHERE type = 'safety_alarm') AS safety_alarm,
            count(DISTINCT resident_id) FILTER (WHERE type = 'sensor') AS sensor,
            count(DISTINCT resident_id) FILTER (WHERE type = 'gps') AS gps,
            count(DISTINCT resident_id) FILTER (WHERE type = 'medication') AS medication
          FROM devices WHERE active AND tenant IN ${sql.in(tenants)} GROUP BY tenant ORDER BY tenant`
        return rows.map((r): WelfareTechnologyUsers => ({
          tenant: r.tenant,
          users: Number(r.users),
          safetyAlarm: Number(r.safety_alarm),
          sensor: Number(r.sensor),
          gps: Number(r.gps),
          medication: Number(r.medication)
        }))
      })

      const tenants = sql<{ id: string }>`SELECT id FROM tenants ORDER BY id`.pipe(
        Effect.map((rows) => rows.map((r) => r.id)),
        Effect.withSpan("ReportSource.tenants")
      )

      const report = Effect.fn("ReportSource.report")(function*(kind: ReportKind, request: ReportRequest) {
        const [h, u] = yield* Effect.all([
          histories(request.tenants, request.fromMs, request.toMs),
          kind === "indicators" ? users(request.tenants) : Effect.succeed([])
        ])
        return buildReport(kind, {
          histories: h,
          users: u,
          fromMs: request.fromMs,
          toMs: request.toMs,
          nowMs: request.nowMs,
          timeZone: request.timeZone,
          limits,
          ...(request.operators === undefined ? {} : { operators: request.operators })
        })
      })

      return ReportSource.of({ histories, users, tenants, report })
    })
  )
}
