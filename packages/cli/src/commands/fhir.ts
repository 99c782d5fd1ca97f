import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { CliFailure, reportingFailures } from "../cli-failure.ts"
import { describeReport, exportFhir } from "../fhir-export-run.ts"
import { CliNats } from "../nats.ts"

const instant = Effect.fn("Cli.fhir.instant")(function*(flag: string, value: Option.Option<string>) {
  if (Option.isNone(value)) return undefined
  const ms = Date.parse(value.value)
  if (!Number.isFinite(ms)) return yield* new CliFailure({ message: `--${flag} ${value.value} is not a date or an ISO-8601 instant` })
  return ms
})

const exportBundle = Command.make(
  "export",
  {
    out: Flag.String("out").pipe(Flag.withDescription("File to write (created mode 0600)")),
    format: Flag.Literals("format", ["json", "ndjson"]).pipe(
      Flag.withDescription("json: one Bundle of type collection; ndjson: one resource a line (FHIR bulk data)"),
      Flag.withDefault("json")
    ),
    tenant: Flag.String("tenant").pipe(Flag.withDescription("Only this tenant's entries"), Flag.optional),
    incident: Flag.String("incident").pipe(Flag.withDescription("Only the entries about this incident"), Flag.optional),
    from: Flag.String("from").pipe(Flag.withDescription("Entries recorded at or after this date or instant"), Flag.optional),
    to: Flag.String("to").pipe(Flag.withDescription("Entries recorded before this date or instant"), Flag.optional),
    config: Flag.String("config").pipe(
      Flag.withDescription("Export configuration (JSON): ownBase, centre {name, orgNumber, host}, municipalities {tenant: {name, orgNumber}}, nationalIds; default <data dir>/fhir-export.json"),
      Flag.optional
    ),
    as: Flag.String("as").pipe(Flag.withDescription("The registered user (id or user name) running the export; without it the export is recorded as the wt-cli service account"), Flag.optional),
    codeTablesAt: Flag.String("code-tables-at").pipe(
      Flag.withDescription("Use the national code tables in force at this date or instant instead of each event's own time"),
      Flag.optional
    )
  },
  Effect.fn("cli.fhir.export")(function*(flags) {
    const result = yield* exportFhir({
      out: flags.out,
      format: flags.format,
      tenant: Option.getOrUndefined(flags.tenant),
      incident: Option.getOrUndefined(flags.incident),
      from: yield* instant("from", flags.from),
      to: yield* instant("to", flags.to),
      config: Option.getOrUndefined(flags.config),
      as: Option.getOrUndefined(flags.as),
      codeTablesAt: yield* instant("code-tables-at", flags.codeTablesAt).pipe(Effect.map((ms) => (ms === undefined ? undefined : new Date(ms).toISOString())))
    })
    yield* Console.log(`Wrote ${flags.out} (FHIR R4 ${flags.format === "json" ? "Bundle" : "NDJSON"}): ${result.described}. The export is recorded in the audit trail as run by ${result.exporter.kind} ${result.exporter.id}.`)
    yield* Console.log("National code tables and profiles used:")
    for (const line of describeReport(result.report)) yield* Console.log(line)
    if (result.unreadable > 0) yield* Console.log(`  ${result.unreadable} audit entries could not be read and are not in the export; run wt audit verify`)
  }, Effect.provide(CliNats), reportingFailures)
).pipe(
  Command.withDescription("Export the audit trail as FHIR R4: AuditEvents (IHE BALP), alerts as VKP DetectedIssues and Flags, handling logs as VKP Compositions, conversations with the resident as VKP Encounters, coded with the national code tables in force at each event"),
  Command.withExamples([
    { command: "wt fhir export --incident inc-123 --out incident.json", description: "One incident's alert, handling log and audit events" },
    { command: "wt fhir export --tenant demo --from 2026-11-01 --to 2026-12-01 --format ndjson --out november.ndjson", description: "A month of one tenant, as NDJSON" },
    { command: "wt fhir export --incident inc-123 --as u-admin --config fhir-export.json --out incident.json", description: "Run by a named administrator, with the municipality's organisation number and residents' national ids" }
  ])
)

export const fhir = Command.make("fhir").pipe(
  Command.withDescription("FHIR R4 exports of the audit trail"),
  Command.withSubcommands([exportBundle])
)
