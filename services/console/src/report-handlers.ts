import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer, Result } from "effect"
import { HttpApiBuilder, HttpApiSchema } from "effect/http-api"
import { appendAuditEntry } from "@wt/audit-log"
import { type ReportDocument, type ReportKind, reportCsv, reportPeriod, ReportSource } from "@wt/reports"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { actorOf } from "./incident-commands.ts"
import { Forbidden } from "./api-errors.ts"
import { InvalidReportQuery, ReportTenantNotFound } from "./report-api.ts"

interface ReportQuery {
  readonly tenant?: string | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly day?: string | undefined
  readonly timeZone?: string | undefined
  readonly operators?: string | undefined
}

/** `GET /api/reports/{kind}` and its CSV, computed from the read models for the caller's tenants. */
export const ReportHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "reports",
  Effect.fn(function*(handlers) {
    const source = yield* ReportSource

    const build = Effect.fn("Console.report")(function*(kind: ReportKind, query: ReportQuery) {
      const { user } = yield* CurrentSession
      if (user.role !== "supervisor" && user.role !== "admin") {
        return yield* new Forbidden({ message: "reports are for supervisors and admins" })
      }
      if (query.tenant !== undefined && !user.tenants.includes(query.tenant)) return yield* new ReportTenantNotFound({ tenant: query.tenant })
      const period = reportPeriod(query, yield* Clock.currentTimeMillis)
      if (Result.isFailure(period)) return yield* new InvalidReportQuery({ message: period.failure })
      const operators = query.operators === undefined ? undefined : Number(query.operators)
      if (operators !== undefined && !(Number.isInteger(operators) && operators >= 0)) {
        return yield* new InvalidReportQuery({ message: `operators is not a whole number: ${query.operators}` })
      }
      return yield* source.report(kind, {
        tenants: query.tenant === undefined ? user.tenants : [query.tenant],
        ...period.success,
        nowMs: yield* Clock.currentTimeMillis,
        ...(operators === undefined ? {} : { operators })
      }).pipe(Effect.orDie)
    })

    /**
     * A report leaves the server only once its export is in the audit trail: who took which
     * figures of which tenant for which period (ids and counts only).
     */
    const recordExport = Effect.fn("Console.recordReportExport")(function*(report: ReportDocument, format: "json" | "csv", tenants: ReadonlyArray<string>) {
      const { user } = yield* CurrentSession
      const at = new Date(yield* Clock.currentTimeMillis).toISOString()
      for (const tenant of tenants) {
        yield* appendAuditEntry({
          id: `report-${randomUUID()}`,
          tenant,
          kind: "export",
          at,
          actor: actorOf(user),
          subject: {},
          summary: `${report.kind} report (${format}) for ${report.from} – ${report.to}`,
          data: { report: report.kind, format, from: report.from, to: report.to, rows: report.tables[0]?.rows.length ?? 0 }
        }).pipe(Effect.orDie)
      }
    })

    const scope = (query: ReportQuery) =>
      CurrentSession.pipe(Effect.map(({ user }) => (query.tenant === undefined ? user.tenants : [query.tenant])))

    return handlers
      .handle("report", ({ params, query }) =>
        Effect.gen(function*() {
          const report = yield* build(params.kind, query)
          yield* recordExport(report, "json", yield* scope(query))
          return report
        }))
      .handle("csv", ({ params, query }) =>
        Effect.gen(function*() {
          const report = yield* build(params.kind, query)
          const csv = reportCsv(report, query.table)
          if (csv === undefined) return yield* new InvalidReportQuery({ message: `the ${params.kind} report has no table ${query.table}` })
          yield* recordExport(report, "csv", yield* scope(query))
          const name = `${params.kind}-${query.day ?? report.from.slice(0, 10)}${query.table === undefined ? "" : `-${query.table}`}.csv`
          return HttpApiSchema.withHeaders({ body: csv, headers: { "content-disposition": `attachment; filename="${name}"` } })
        }))
  })
).pipe(Layer.provide(ReportSource.layer))
