import { appendAuditEntry, readStreamRange, streamBounds } from "@wt/audit-log"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { BundleWriter, type ExportReport, FhirExport, FhirExportConfigFile, type FhirResource, ndjsonLine, resolveConfig } from "@wt/fhir-export"
import { decodeJson } from "@wt/nats"
import { Clock, Effect, Result, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { hostname } from "node:os"
import { join, resolve } from "node:path"
import { CliFailure } from "./cli-failure.ts"
import { ExportFile } from "./export-file.ts"
import { exporterOf } from "./fhir-export-actor.ts"
import { DataDir } from "./data-dir.ts"

export interface FhirExportOptions {
  readonly out: string
  readonly format: "json" | "ndjson"
  readonly tenant: string | undefined
  readonly incident: string | undefined
  /** Entries recorded at or after this instant (epoch ms). */
  readonly from: number | undefined
  /** Entries recorded before this instant (epoch ms). */
  readonly to: number | undefined
  /** The export's configuration file (JSON); default `${WT_DATA_DIR}/fhir-export.json` when it exists. */
  readonly config: string | undefined
  /** The registered user the export is run by; else the `wt-cli` service account. */
  readonly as: string | undefined
  /** Use the national code tables in force at this instant (ISO) instead of each event's own time. */
  readonly codeTablesAt: string | undefined
}

const decodeConfig = Schema.decodeUnknownResult(Schema.fromJsonString(FhirExportConfigFile))

const loadConfig = Effect.fn("cli.fhir.config")(function*(options: FhirExportOptions) {
  const dataDir = yield* DataDir
  const file = options.config ?? (existsSync(join(dataDir, "fhir-export.json")) ? join(dataDir, "fhir-export.json") : undefined)
  const text = file === undefined ? "{}" : yield* Effect.try({
    try: () => readFileSync(file, "utf8"),
    catch: (cause) => new CliFailure({ message: `cannot read the export configuration ${file}: ${String(cause)}` })
  })
  const decoded = decodeConfig(text)
  if (Result.isFailure(decoded)) return yield* new CliFailure({ message: `the export configuration ${file} is not valid: ${decoded.failure.message}` })
  return yield* Effect.try({
    try: () => resolveConfig(decoded.success, { host: hostname(), ...(options.codeTablesAt === undefined ? {} : { codeTablesAt: options.codeTablesAt }) }),
    catch: (cause) => new CliFailure({ message: `the export configuration ${file}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })
})

const bytesOf = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)

/**
 * The device events an incident was raised and joined by: its opening's and every
 * correlated alarm's, read from the entries about the incident. Their `device_event`
 * entries name no incident (the event is stored before triage opens one), so an export
 * of the incident looks for them by event id.
 */
const deviceEventsOfIncident = Effect.fn("cli.fhir.incidentEvents")(function*(incident: string, tenant: string | undefined) {
  const needle = Buffer.from(`"incidentId":${JSON.stringify(incident)}`)
  const ids = new Set<string>()
  yield* readStreamRange({
    stream: Streams.audit,
    ...(tenant === undefined ? {} : { filterSubject: Subjects.audit(tenant, "*") }),
    onMessage: (m) => {
      if (bytesOf(m.data).indexOf(needle) < 0) return
      const decoded = decodeJson(AuditEntry, m.data)
      if (Result.isFailure(decoded) || decoded.success.subject.incidentId !== incident) return
      const entry = decoded.success
      if (entry.subject.eventId !== undefined) ids.add(entry.subject.eventId)
      const id = (entry.data as { deviceEvent?: { id?: unknown } } | undefined)?.deviceEvent?.id
      if (typeof id === "string") ids.add(id)
    }
  })
  return ids
})

/** Whether a device-event entry holds one of `ids` (a single event, or one in a batch). */
const holdsEvent = (entry: AuditEntry, ids: ReadonlySet<string>) => {
  if (entry.kind === "device_event") return entry.subject.eventId !== undefined && ids.has(entry.subject.eventId)
  if (entry.kind !== "device_events") return false
  const events = (entry.data as { events?: unknown } | undefined)?.events
  return Array.isArray(events) && events.some((e: { event?: { id?: unknown } }) => typeof e?.event?.id === "string" && ids.has(e.event.id))
}

/** One line per code-table edition and profile, for the terminal and the export's audit entry. */
export const describeReport = (report: ExportReport): ReadonlyArray<string> => [
  ...report.codeTables.map((t) => `  ${t.system}|${t.version} (edition ${t.edition}): ${t.codings} codings`),
  ...Object.entries(report.withoutNationalCode).map(([table, n]) => `  ${n} ${table} concepts had no national code at their time`),
  ...report.profiles.map((p) => `  ${p.resources} ${p.profile}`)
]

/**
 * Reads the audit trail (WT_AUDIT, the sealed record) and writes the selected entries
 * as FHIR R4: an AuditEvent per entry, then per incident its coded alert, Flag,
 * handling log and conversations, and our own CodeSystems, as one Bundle (type
 * collection) or as NDJSON. An export of one incident includes the device events that
 * raised it. The export itself is then recorded in the trail, once per tenant it covers,
 * naming who ran it, where it was written and which code-table editions it used.
 */
export const exportFhir = Effect.fn("cli.fhir.export")(function*(options: FhirExportOptions) {
  yield* streamBounds(Streams.audit).pipe(
    Effect.mapError(() => new CliFailure({ message: `stream ${Streams.audit} does not exist on this NATS; has the audit service run against it?` }))
  )
  const config = yield* loadConfig(options)
  const exporter = yield* exporterOf(options.as)
  const exportedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
  const exportId = randomUUID()
  const out = resolve(options.out)
  const file = yield* Effect.try({
    try: () => new ExportFile(out),
    catch: (cause) => new CliFailure({ message: `cannot write ${options.out}: ${String(cause)}` })
  })
  const fhir = new FhirExport(exportedAt, config)
  const counts: Record<string, number> = {}
  const tenants = new Set<string>()
  const residents = new Set<string>()
  let unreadable = 0
  const incidentEvents = options.incident === undefined ? new Set<string>() : yield* deviceEventsOfIncident(options.incident, options.tenant)
  // Entries of other incidents are skipped before decoding: those naming the incident, or one of its device events.
  const needles = options.incident === undefined
    ? undefined
    : [Buffer.from(`"incidentId":${JSON.stringify(options.incident)}`), ...[...incidentEvents].map((id) => Buffer.from(JSON.stringify(id)))]

  yield* Effect.gen(function*() {
    const bundle = options.format === "json" ? new BundleWriter(exportId, exportedAt, (text) => file.write(text), fhir.context.terms.identifiers.export) : undefined
    const emit = (resource: FhirResource) => {
      counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1
      if (bundle === undefined) file.write(ndjsonLine(resource))
      else bundle.add(resource)
    }
    yield* readStreamRange({
      stream: Streams.audit,
      ...(options.tenant === undefined ? {} : { filterSubject: Subjects.audit(options.tenant, "*") }),
      onMessage: (m) => {
        if (needles !== undefined && !needles.some((n) => bytesOf(m.data).indexOf(n) >= 0)) return
        const decoded = decodeJson(AuditEntry, m.data)
        if (Result.isFailure(decoded)) {
          unreadable++
          return
        }
        const entry = decoded.success
        if (options.incident !== undefined && entry.subject.incidentId !== options.incident && !holdsEvent(entry, incidentEvents)) return
        const at = Date.parse(entry.at)
        if (options.from !== undefined && !(at >= options.from)) return
        if (options.to !== undefined && !(at < options.to)) return
        tenants.add(entry.tenant)
        if (entry.subject.residentId !== undefined) residents.add(entry.subject.residentId)
        emit(fhir.add(m.seq, entry))
      }
    })
    for (const resource of fhir.incidentResources()) emit(resource)
    for (const resource of fhir.codeSystemResources()) emit(resource)
    bundle?.close()
  }).pipe(Effect.ensuring(Effect.sync(() => file.close())))

  if (options.tenant !== undefined) tenants.add(options.tenant)
  const onlyResident = residents.size === 1 ? [...residents][0] : undefined
  const described = Object.entries(counts).map(([type, n]) => `${n} ${type}`).join(", ") || "no resources"
  const report = fhir.report()
  for (const tenant of tenants) {
    yield* appendAuditEntry({
      id: `fhir-export-${exportId}-${tenant}`,
      tenant,
      kind: "export",
      at: exportedAt,
      actor: exporter,
      subject: {
        ...(options.incident === undefined ? {} : { incidentId: options.incident }),
        ...(onlyResident === undefined ? {} : { residentId: onlyResident })
      },
      summary: `FHIR R4 export with wt fhir export (${options.format}): ${described}`,
      data: {
        exportId,
        format: options.format,
        filters: {
          tenant: options.tenant ?? null,
          incident: options.incident ?? null,
          from: options.from ?? null,
          to: options.to ?? null,
          codeTablesAt: options.codeTablesAt ?? null
        },
        resources: counts,
        residents: residents.size,
        // Where it ran and where the data went: BALP's disclosure names both agents' network addresses.
        client: { application: "wt-cli", host: hostname() },
        destination: { file: out },
        codeTables: report.codeTables.map((t) => ({ system: t.system, version: t.version, edition: t.edition, codings: t.codings }))
      }
    })
  }
  return { exportId, counts, described, report, exporter, unreadable: unreadable + fhir.unreadableIncidentEvents, tenants: [...tenants] }
})
