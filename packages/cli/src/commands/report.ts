import { DefaultReportTimeZone, type ReportKind, ReportKinds, reportCsv, reportPeriod, ReportSource, reportText } from "@wt/reports"
import { Clock, Console, Effect, Layer, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { writeFileSync } from "node:fs"
import { CliFailure, reportingFailures } from "../cli-failure.ts"
import { CliDatabase } from "../database.ts"

const descriptions: Record<ReportKind, string> = {
  sla: "Answer time (received → claimed) against 98.5 % within 60 s and 99 % within 180 s, per tenant, priority and hour of day",
  "on-site": "Time from receipt and from call-out to the responder on site",
  repeated: "Incidents marked repeated, and whether a second person confirmed the closing",
  floods: "Alarm floods: over 10 alarms in 10 minutes per operator on duty, until below 5 (ISA-18.2)",
  ownerless: "Responsibility gaps: active incidents owned by nobody but the queue beyond their priority's limit, or with missing records",
  indicators: "E-health indicators per tenant: users by device type, alarms per user, technical vs care, resolved without call-out"
}

const flags = {
  tenant: Flag.String("tenant").pipe(Flag.withDescription("Only this tenant (default: every tenant)"), Flag.optional),
  from: Flag.String("from").pipe(Flag.withDescription("Start of the period, ISO instant (incidents received from then); default 24 h before --to"), Flag.optional),
  to: Flag.String("to").pipe(Flag.withDescription("End of the period, ISO instant, exclusive; default now"), Flag.optional),
  day: Flag.String("day").pipe(Flag.withDescription("A whole local day, YYYY-MM-DD, in --time-zone (instead of --from/--to)"), Flag.optional),
  timeZone: Flag.String("time-zone").pipe(Flag.withDescription("Time zone of hours of the day and of --day"), Flag.withDefault(DefaultReportTimeZone)),
  operators: Flag.Int("operators").pipe(
    Flag.withDescription("floods: operators on duty (default: counted from who acted on incidents within 30 min)"),
    Flag.optional
  ),
  format: Flag.Literals("format", ["text", "json", "csv"]).pipe(Flag.withDescription("text, json (every table) or csv (the main table)"), Flag.withDefault("text")),
  table: Flag.String("table").pipe(Flag.withDescription("csv: another table of the report (sla: late; on-site: summary)"), Flag.optional),
  out: Flag.String("out").pipe(Flag.withDescription("Write to this file (mode 0600) instead of standard output"), Flag.optional)
}

const reportCommand = (kind: ReportKind) =>
  Command.make(
    kind,
    flags,
    Effect.fn(`cli.report.${kind}`)(function*(f) {
      const source = yield* ReportSource
      const nowMs = yield* Clock.currentTimeMillis
      const period = reportPeriod({
        from: Option.getOrUndefined(f.from),
        to: Option.getOrUndefined(f.to),
        day: Option.getOrUndefined(f.day),
        timeZone: f.timeZone
      }, nowMs)
      if (Result.isFailure(period)) return yield* new CliFailure({ message: period.failure })
      const known = yield* source.tenants
      if (Option.isSome(f.tenant) && !known.includes(f.tenant.value)) return yield* new CliFailure({ message: `no tenant ${f.tenant.value}` })
      const report = yield* source.report(kind, {
        tenants: Option.isSome(f.tenant) ? [f.tenant.value] : known,
        ...period.success,
        nowMs,
        ...(Option.isSome(f.operators) ? { operators: f.operators.value } : {})
      })
      let output: string
      if (f.format === "csv") {
        const csv = reportCsv(report, Option.getOrUndefined(f.table))
        if (csv === undefined) return yield* new CliFailure({ message: `the ${kind} report has no table ${Option.getOrElse(f.table, () => "")}` })
        output = csv
      } else {
        output = f.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(report)}\n`
      }
      if (Option.isSome(f.out)) {
        const file = f.out.value
        yield* Effect.try({
          try: () => writeFileSync(file, output, { mode: 0o600 }),
          catch: (e) => new CliFailure({ message: `cannot write ${file}: ${String(e)}` })
        })
        yield* Console.error(`wrote ${file}`)
      } else {
        yield* Effect.sync(() => process.stdout.write(output))
      }
    }, Effect.provide(ReportSource.layer.pipe(Layer.provideMerge(CliDatabase))), reportingFailures)
  ).pipe(Command.withDescription(descriptions[kind]))

export const report = Command.make("report").pipe(
  Command.withDescription("Supervision reports from the read models: sla, on-site, repeated, floods, ownerless, indicators"),
  Command.withSubcommands(ReportKinds.map(reportCommand)),
  Command.withExamples([
    { command: "wt report sla --day 2026-11-24", description: "Yesterday's answer times, Oslo hours" },
    { command: "wt report ownerless --tenant demo --format csv --out gaps.csv", description: "Responsibility gaps as CSV" }
  ])
)
