import { Clock, Effect, Layer, Result } from "effect"
import { HttpApiBuilder, HttpApiSchema } from "effect/http-api"
import { type ReportKind, reportCsv, reportPeriod, ReportSource } from "@wt/reports"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { InvalidReportQuery, NotSupervisor, ReportTenantNotFound } from "./report-api.ts"

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
        return yield* new NotSupervisor({ message: "reports are for supervisors and admins" })
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

    return handlers
      .handle("report", ({ params, query }) => build(params.kind, query))
      .handle("csv", ({ params, query }) =>
        Effect.gen(function*() {
          const report = yield* build(params.kind, query)
          const csv = reportCsv(report, query.table)
          if (csv === undefined) return yield* new InvalidReportQuery({ message: `the ${params.kind} report has no table ${query.table}` })
          const name = `${params.kind}-${query.day ?? report.from.slice(0, 10)}${query.table === undefined ? "" : `-${query.table}`}.csv`
          return HttpApiSchema.withHeaders({ body: csv, headers: { "content-disposition": `attachment; filename="${name}"` } })
        }))
  })
).pipe(Layer.provide(ReportSource.layer))
