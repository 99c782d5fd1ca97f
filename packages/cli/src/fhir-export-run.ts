import { readStreamRange, streamBounds } from "@wt/audit"
import { appendAuditEntry } from "@wt/audit-log"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { BundleWriter, FhirExport, type FhirResource, ndjsonLine } from "@wt/fhir-export"
import { decodeJson } from "@wt/nats"
import { Clock, Effect, Result } from "effect"
import { randomUUID } from "node:crypto"
import { userInfo } from "node:os"
import { CliFailure } from "./cli-failure.ts"
import { ExportFile } from "./export-file.ts"

export interface FhirExportOptions {
  readonly out: string
  readonly format: "json" | "ndjson"
  readonly tenant: string | undefined
  readonly incident: string | undefined
  /** Entries recorded at or after this instant (epoch ms). */
  readonly from: number | undefined
  /** Entries recorded before this instant (epoch ms). */
  readonly to: number | undefined
}

/**
 * Reads the audit trail (WT_AUDIT, the sealed record) and writes the selected entries
 * as FHIR R4: an AuditEvent per entry, then a Flag and a Composition per incident, as
 * one Bundle (type collection) or as NDJSON. The export itself is then recorded in the
 * trail, once per tenant it covers.
 */
export const exportFhir = Effect.fn("cli.fhir.export")(function*(options: FhirExportOptions) {
  yield* streamBounds(Streams.audit).pipe(
    Effect.mapError(() => new CliFailure({ message: `stream ${Streams.audit} does not exist on this NATS; has the audit service run against it?` }))
  )
  const exportedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
  const exportId = randomUUID()
  const file = yield* Effect.try({
    try: () => new ExportFile(options.out),
    catch: (cause) => new CliFailure({ message: `cannot write ${options.out}: ${String(cause)}` })
  })
  const fhir = new FhirExport(exportedAt)
  const counts: Record<string, number> = {}
  const tenants = new Set<string>()
  const residents = new Set<string>()
  let unreadable = 0
  // Entries of other incidents are skipped before decoding.
  const needle = options.incident === undefined ? undefined : Buffer.from(`"incidentId":${JSON.stringify(options.incident)}`)

  yield* Effect.gen(function*() {
    const bundle = options.format === "json" ? new BundleWriter(exportId, exportedAt, (text) => file.write(text)) : undefined
    const emit = (resource: FhirResource) => {
      counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1
      if (bundle === undefined) file.write(ndjsonLine(resource))
      else bundle.add(resource)
    }
    yield* readStreamRange({
      stream: Streams.audit,
      ...(options.tenant === undefined ? {} : { filterSubject: Subjects.audit(options.tenant, "*") }),
      onMessage: (m) => {
        if (needle !== undefined && Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).indexOf(needle) < 0) return
        const decoded = decodeJson(AuditEntry, m.data)
        if (Result.isFailure(decoded)) {
          unreadable++
          return
        }
        const entry = decoded.success
        if (options.incident !== undefined && entry.subject.incidentId !== options.incident) return
        const at = Date.parse(entry.at)
        if (options.from !== undefined && !(at >= options.from)) return
        if (options.to !== undefined && !(at < options.to)) return
        tenants.add(entry.tenant)
        if (entry.subject.residentId !== undefined) residents.add(entry.subject.residentId)
        emit(fhir.add(m.seq, entry))
      }
    })
    for (const resource of fhir.incidentResources()) emit(resource)
    bundle?.close()
  }).pipe(Effect.ensuring(Effect.sync(() => file.close())))

  if (options.tenant !== undefined) tenants.add(options.tenant)
  const onlyResident = residents.size === 1 ? [...residents][0] : undefined
  const described = Object.entries(counts).map(([type, n]) => `${n} ${type}`).join(", ") || "no resources"
  for (const tenant of tenants) {
    yield* appendAuditEntry({
      id: `fhir-export-${exportId}-${tenant}`,
      tenant,
      kind: "export",
      at: exportedAt,
      actor: { kind: "admin", id: userInfo().username },
      subject: {
        ...(options.incident === undefined ? {} : { incidentId: options.incident }),
        ...(onlyResident === undefined ? {} : { residentId: onlyResident })
      },
      summary: `FHIR R4 export with wt fhir export (${options.format}): ${described}`,
      data: {
        exportId,
        format: options.format,
        filters: { tenant: options.tenant ?? null, incident: options.incident ?? null, from: options.from ?? null, to: options.to ?? null },
        resources: counts,
        residents: residents.size
      }
    })
  }
  return { exportId, counts, described, unreadable: unreadable + fhir.unreadableIncidentEvents, tenants: [...tenants] }
})
