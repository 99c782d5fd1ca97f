import type { AuditEntry } from "@wt/contracts"
import { alertFlagOf } from "./alert-flag.ts"
import { auditEventOf } from "./audit-event.ts"
import { IdentifierSystems } from "./code-systems.ts"
import { fullUrlOf, resourceUuid } from "./fhir-values.ts"
import { handlingLogOf } from "./handling-log.ts"
import { IncidentHistories } from "./incident-history.ts"

export interface FhirResource {
  readonly resourceType: string
  readonly id: string
}

/**
 * Turns audit entries, in trail order, into FHIR R4 resources: each entry at once into
 * an AuditEvent (so a long trail streams), and at the end each incident found into its
 * alert Flag and its handling-log Composition.
 */
export class FhirExport {
  private readonly incidents = new IncidentHistories()
  readonly exportedAt: string

  constructor(exportedAt: string) {
    this.exportedAt = exportedAt
  }

  /** The AuditEvent of the entry stored at `seq` in WT_AUDIT. */
  add(seq: number, entry: AuditEntry) {
    this.incidents.add(entry)
    return auditEventOf(seq, entry, this.exportedAt)
  }

  /** Incident events that did not decode (reported by the caller, never dropped silently). */
  get unreadableIncidentEvents() {
    return this.incidents.unreadable
  }

  /** Each incident's Flag and Composition, in the order the incidents first appeared. */
  incidentResources(): ReadonlyArray<FhirResource> {
    return this.incidents.histories().flatMap((h) => {
      const flag = alertFlagOf(h, this.exportedAt)
      const log = handlingLogOf(h, this.exportedAt)
      return [...(flag === undefined ? [] : [flag]), ...(log === undefined ? [] : [log])]
    })
  }
}

export const bundleEntryOf = (resource: FhirResource) => ({ fullUrl: fullUrlOf(resource.resourceType, resource.id), resource })

const bundleShell = (exportId: string, exportedAt: string) => ({
  resourceType: "Bundle" as const,
  id: resourceUuid("Bundle", exportId),
  meta: { lastUpdated: exportedAt },
  identifier: { system: IdentifierSystems.export, value: exportId },
  type: "collection" as const,
  timestamp: exportedAt
})

/** A whole Bundle (type collection) in memory. */
export const bundleOf = (exportId: string, exportedAt: string, resources: ReadonlyArray<FhirResource>) => ({
  ...bundleShell(exportId, exportedAt),
  ...(resources.length === 0 ? {} : { entry: resources.map(bundleEntryOf) })
})

/**
 * Writes a Bundle as JSON text piece by piece, so an export of the whole trail never
 * holds every resource at once. FHIR JSON has no empty arrays: `entry` appears only
 * with a first resource.
 */
export class BundleWriter {
  private readonly write: (text: string) => void
  private count = 0

  constructor(exportId: string, exportedAt: string, write: (text: string) => void) {
    this.write = write
    const shell = JSON.stringify(bundleShell(exportId, exportedAt))
    write(shell.slice(0, -1))
  }

  add(resource: FhirResource) {
    this.write(`${this.count === 0 ? `,"entry":[\n` : ",\n"}${JSON.stringify(bundleEntryOf(resource))}`)
    this.count++
  }

  close() {
    this.write(this.count === 0 ? "}\n" : "\n]}\n")
  }
}

/** FHIR bulk-data NDJSON: one resource a line. */
export const ndjsonLine = (resource: FhirResource) => `${JSON.stringify(resource)}\n`
