import type { AuditEntry } from "@wt/contracts"
import { alertFlagOf, alertIssueOf } from "./alert-flag.ts"
import { auditEventOf } from "./audit-event.ts"
import { BalpVersion } from "./code-systems.ts"
import type { CodeTableUse } from "./code-tables.ts"
import { conversationOf, isConversationWithResident } from "./conversation-encounter.ts"
import { ExportContext } from "./export-context.ts"
import { defaultConfig, type FhirExportConfig } from "./export-config.ts"
import { fullUrlOf, identifier, resourceUuid } from "./fhir-values.ts"
import { handlingLogOf } from "./handling-log.ts"
import { IncidentHistories } from "./incident-history.ts"
import { ownCodeSystems } from "./own-code-systems.ts"

export interface FhirResource {
  readonly resourceType: string
  readonly id: string
}

/** What an export says about itself: which profiles and which editions of the national code tables it used. */
export interface ExportReport {
  readonly profiles: ReadonlyArray<{ readonly profile: string; readonly resources: number }>
  readonly codeTables: ReadonlyArray<CodeTableUse>
  /** Concepts that had no national code in the edition in force at their time, per code system. */
  readonly withoutNationalCode: Readonly<Record<string, number>>
  readonly ownCodeSystems: ReadonlyArray<string>
  readonly balpVersion: string
}

/**
 * Turns audit entries, in trail order, into FHIR R4 resources: each entry at once into
 * an AuditEvent (so a long trail streams), and at the end each incident found into its
 * coded alert (DetectedIssue), its Flag, its handling-log Composition and the Encounters
 * of conversations with the resident; and our own code systems as CodeSystem resources.
 */
export class FhirExport {
  private readonly incidents = new IncidentHistories()
  private readonly profiles = new Map<string, number>()
  readonly exportedAt: string
  readonly context: ExportContext

  constructor(exportedAt: string, config: FhirExportConfig = defaultConfig("localhost")) {
    this.exportedAt = exportedAt
    this.context = new ExportContext(config, exportedAt)
  }

  private count<R extends FhirResource & { readonly meta?: { readonly profile?: ReadonlyArray<string> } }>(resource: R): R {
    for (const p of resource.meta?.profile ?? []) this.profiles.set(p, (this.profiles.get(p) ?? 0) + 1)
    return resource
  }

  /** The AuditEvent of the entry stored at `seq` in WT_AUDIT. */
  add(seq: number, entry: AuditEntry) {
    this.incidents.add(entry)
    return this.count(auditEventOf(this.context, seq, entry))
  }

  /** Incident events that did not decode (reported by the caller, never dropped silently). */
  get unreadableIncidentEvents() {
    return this.incidents.unreadable
  }

  /** Each incident's DetectedIssue, Flag, Composition and Encounters, in the order the incidents first appeared. */
  incidentResources(): ReadonlyArray<FhirResource> {
    return this.incidents.histories().flatMap((h) => {
      const issue = alertIssueOf(this.context, h)
      const flag = alertFlagOf(this.context, h, issue)
      const log = handlingLogOf(this.context, h)
      const residentId = h.residentId
      const conversations = residentId === undefined
        ? []
        : h.steps.map((s) => s.event).filter(isConversationWithResident).map((e, i) => conversationOf(this.context, h.tenant, residentId, e, i))
      return [...(issue === undefined ? [] : [issue]), ...(flag === undefined ? [] : [flag]), ...(log === undefined ? [] : [log]), ...conversations].map((r) =>
        this.count(r)
      )
    })
  }

  /** Our own code systems, each a CodeSystem resource under the configured base. */
  codeSystemResources(): ReadonlyArray<FhirResource> {
    return ownCodeSystems(this.context.terms)
  }

  /** Call after every resource was made: the profiles claimed and the code-table editions used. */
  report(): ExportReport {
    const tables = this.context.codes.report()
    return {
      profiles: [...this.profiles].sort(([a], [b]) => a.localeCompare(b)).map(([profile, resources]) => ({ profile, resources })),
      codeTables: tables.used,
      withoutNationalCode: tables.withoutNationalCode,
      ownCodeSystems: Object.values(this.context.terms.codeSystems),
      balpVersion: BalpVersion
    }
  }
}

const defaultExportSystem = new ExportContext(defaultConfig("localhost"), "").terms.identifiers.export

export const bundleEntryOf = (resource: FhirResource) => ({ fullUrl: fullUrlOf(resource.resourceType, resource.id), resource })

const bundleShell = (exportId: string, exportedAt: string, exportSystem: string) => ({
  resourceType: "Bundle" as const,
  id: resourceUuid("Bundle", exportId),
  meta: { lastUpdated: exportedAt },
  identifier: identifier(exportSystem, exportId),
  type: "collection" as const,
  timestamp: exportedAt
})

/** A whole Bundle (type collection) in memory. */
export const bundleOf = (exportId: string, exportedAt: string, resources: ReadonlyArray<FhirResource>, exportSystem = defaultExportSystem) => ({
  ...bundleShell(exportId, exportedAt, exportSystem),
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

  constructor(exportId: string, exportedAt: string, write: (text: string) => void, exportSystem = defaultExportSystem) {
    this.write = write
    const shell = JSON.stringify(bundleShell(exportId, exportedAt, exportSystem))
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
