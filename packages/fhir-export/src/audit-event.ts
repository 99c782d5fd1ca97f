import type { Actor, AuditEntry } from "@wt/contracts"
import { BalpProfile, Hl7CodeSystems } from "./code-systems.ts"
import { type ExportContext, isHuman } from "./export-context.ts"
import { coding, type Coding, fhirInstant, fhirString, identifier, type Reference, requiredString } from "./fhir-values.ts"

/**
 * One audit entry as an AuditEvent following IHE Basic Audit Log Patterns (BALP 1.1.4),
 * claiming a BALP profile only when the event meets it:
 *
 * - a device event stored, a triage decision, an incident's opening and an e-lock grant
 *   are BALP Create; an incident's later events, operator actions, configuration changes
 *   and an e-lock grant's revocation are Update; a look at a resident's record is Read;
 *   each is the Patient… variant when the entry names a resident;
 * - an export of one resident's data is BALP's privacy disclosure at the source;
 * - agents: the client (the service that wrote the fact, or the browser that read the
 *   record) and the server (the store, or the console that answered), each with its
 *   network address; a person or device that caused it in BALP's user slice (author,
 *   informant, or information recipient for a read);
 * - exactly one data entity (System Object): what was created, changed or read; the
 *   resident as the patient entity; context (the incident, the audit entry itself with its
 *   WT_AUDIT sequence) as entities outside BALP's slices.
 *
 * Where the trail lacks what a profile needs (the browser's address of an older record
 * view, the destination of an older export, an export about several residents), the
 * AuditEvent is still written, the same shape, without the profile claim.
 */

type Pattern = "create" | "update" | "read" | "disclose" | "execute" | "authenticate"

/** What the entry's source recorded about the client, when it did (console reads, CLI exports). */
interface RecordedClient {
  readonly application?: string
  readonly address?: string
  readonly host?: string
}

const dataOf = (entry: AuditEntry): Record<string, unknown> =>
  typeof entry.data === "object" && entry.data !== null && !Array.isArray(entry.data) ? (entry.data as Record<string, unknown>) : {}

const recordedClient = (entry: AuditEntry): RecordedClient => {
  const client = dataOf(entry).client
  if (typeof client !== "object" || client === null) return {}
  const c = client as Record<string, unknown>
  const text = (v: unknown) => (typeof v === "string" && fhirString(v) !== undefined ? v : undefined)
  const application = text(c.application)
  const address = text(c.address)
  const host = text(c.host)
  return { ...(application === undefined ? {} : { application }), ...(address === undefined ? {} : { address }), ...(host === undefined ? {} : { host }) }
}

const elockGrantId = (entry: AuditEntry) => entry.id.replace(/^elock-(grant|revoke)-/u, "")

const patternOf = (entry: AuditEntry): Pattern => {
  switch (entry.kind) {
    case "device_event":
    case "device_events":
    case "triage_decision":
      return "create"
    case "incident_event":
      return dataOf(entry).type === "incident_opened" ? "create" : "update"
    case "operator_action":
    case "config_change":
      return "update"
    case "record_view":
      return "read"
    case "export":
      return "disclose"
    case "elock_access":
      // A grant creates a time-boxed access right and a revocation ends it; an opening (or a
      // refused one) runs an operation on the lock, for which BALP has no pattern.
      if (entry.id.startsWith("elock-grant-")) return "create"
      if (entry.id.startsWith("elock-revoke-")) return "update"
      return "execute"
    default:
      // A sign-in, a sign-out everywhere, a lock lifted (kind `authentication`): DICOM's user authentication.
      return "authenticate"
  }
}

/** The service that wrote the audited fact (BALP's client for a create or update). */
const writerOf = (entry: AuditEntry): string => {
  const recorded = recordedClient(entry).application
  if (recorded !== undefined) return recorded
  const actor: Actor = entry.actor
  switch (entry.kind) {
    case "device_event": {
      const via = (dataOf(entry).source as { via?: unknown } | undefined)?.via
      return via === "dc09" || via === "scaip" || via === "osmand" ? "receivers" : via === "engine" ? "triage" : "gateway"
    }
    case "device_events":
      return actor.kind === "service" ? actor.id : "gateway"
    case "triage_decision":
      return "triage"
    case "incident_event":
    case "operator_action":
    case "config_change":
      if (actor.kind === "service") return actor.id
      if (actor.kind === "system") return "triage"
      return actor.kind === "responder" ? "dispatch" : "console"
    case "record_view":
      return "console-web"
    case "export":
      return "wt-cli"
    case "elock_access":
      return "dispatch"
    default:
      return "console-web"
  }
}

/** The store the fact went into (BALP's server for a create or update). */
const storeOf = (entry: AuditEntry): string => {
  if (patternOf(entry) === "authenticate") return "console"
  switch (entry.kind) {
    case "config_change":
      return "registry"
    case "elock_access":
      return "elock-grants"
    case "record_view":
      return "console"
    default:
      return "event-store"
  }
}

type Entity = {
  readonly what: Reference
  readonly type?: Coding
  readonly role?: Coding
  readonly name?: string
  readonly description?: string
  readonly detail?: ReadonlyArray<{ readonly type: string; readonly valueString: string }>
}

/** The FHIR id of the AuditEvent for the entry at `seq` in WT_AUDIT: the sequence is unique and names the sealed entry. */
export const auditEventId = (seq: number) => `wt-audit-${seq}`

const systemObject = coding(Hl7CodeSystems.entityType, "2", "System Object")
const domainResource = coding(Hl7CodeSystems.objectRole, "4", "Domain Resource")
const report = coding(Hl7CodeSystems.objectRole, "3", "Report")

/** The device events a `device_events` entry holds, with their WT_DEVICE sequences, in stream order. */
const batchedEvents = (entry: AuditEntry): ReadonlyArray<{ readonly seq: number; readonly id: string }> => {
  const events = dataOf(entry).events
  if (!Array.isArray(events)) return []
  return events.flatMap((e: { seq?: unknown; event?: { id?: unknown } }) =>
    typeof e?.event?.id === "string" && typeof e.seq === "number" ? [{ seq: e.seq, id: e.event.id }] : []
  )
}

/** BALP's data entity: the one thing created, changed, read or disclosed. */
const dataEntity = (ctx: ExportContext, entry: AuditEntry): Entity => {
  const ids = ctx.terms.identifiers
  const data = dataOf(entry)
  const { incidentId, eventId, residentId } = entry.subject
  const object = (what: Reference, name: string, extra: Partial<Entity> = {}): Entity => ({ what, type: systemObject, role: domainResource, name, ...extra })
  switch (entry.kind) {
    case "device_event":
      return object({ identifier: identifier(ids.deviceEvent, eventId ?? entry.id) }, "device event")
    case "device_events": {
      const events = batchedEvents(entry)
      return object(
        { identifier: identifier(ids.deviceEventBatch, entry.id), display: requiredString(entry.summary, "device events") },
        "device events",
        events.length === 0 ? {} : { detail: events.map((e) => ({ type: `WT_DEVICE ${e.seq}`, valueString: requiredString(e.id, "unknown") })) }
      )
    }
    case "triage_decision":
      return object(
        { identifier: identifier(ids.triageDecision, entry.origin === undefined ? entry.id : `${entry.origin.stream}:${entry.origin.seq}`) },
        "triage decision"
      )
    case "incident_event":
    case "operator_action":
      return object({ identifier: identifier(ids.incident, incidentId ?? entry.id) }, "incident")
    case "config_change": {
      const record = typeof data.entity === "string" && typeof data.entityId === "string" ? `${data.entity}/${data.entityId}` : entry.id
      return object({ identifier: identifier(ids.configRecord, record), ...(fhirString(entry.summary) === undefined ? {} : { display: fhirString(entry.summary)! }) }, "configuration record")
    }
    case "record_view":
      // What was read: the resident's record, not the incident it was opened for.
      return object(
        residentId === undefined ? { identifier: identifier(ids.auditEntry, entry.id), display: "record" } : { ...ctx.patient(entry.tenant, residentId), display: "resident record" },
        "resident record"
      )
    case "export":
      return { what: { identifier: identifier(ids.export, typeof data.exportId === "string" ? data.exportId : entry.id) }, type: systemObject, role: report, name: "FHIR export" }
    case "elock_access":
      return entry.id.startsWith("elock-use")
        ? object(typeof data.lockId === "string" ? ctx.device(data.lockId) : { identifier: identifier(ids.elockGrant, entry.id) }, "e-lock")
        : object({ identifier: identifier(ids.elockGrant, elockGrantId(entry)) }, "e-lock access grant")
    default:
      // The account signed in to (or a name no user has, kept only as a keyed digest: then the entry itself).
      return object({ identifier: typeof data.userId === "string" ? identifier(ids.user, data.userId) : identifier(ids.auditEntry, entry.id) }, "user account")
  }
}

/** Entities that give context: outside BALP's typed slices (no `type`), so they never count as a second data entity. */
const contextEntities = (ctx: ExportContext, seq: number, entry: AuditEntry, data: Entity): ReadonlyArray<Entity> => {
  const ids = ctx.terms.identifiers
  const { incidentId, eventId } = entry.subject
  const summary = fhirString(entry.summary)
  const dataIs = (system: string, value: string | undefined) => data.what.identifier?.system === system && data.what.identifier.value === value
  return [
    ...(incidentId === undefined || dataIs(ids.incident, incidentId) ? [] : [{ what: { identifier: identifier(ids.incident, incidentId) }, name: "incident" }]),
    ...(eventId === undefined || dataIs(ids.deviceEvent, eventId) ? [] : [{ what: { identifier: identifier(ids.deviceEvent, eventId) }, name: "device event" }]),
    {
      what: { identifier: identifier(ids.auditEntry, entry.id) },
      role: coding(Hl7CodeSystems.objectRole, "13", "Security Resource"),
      name: "audit entry",
      ...(summary === undefined ? {} : { description: summary }),
      detail: [{ type: "WT_AUDIT sequence", valueString: String(seq) }, { type: "audit kind", valueString: entry.kind }]
    }
  ]
}

const participation = (code: "AUT" | "INF" | "IRCP", display: string) => coding(Hl7CodeSystems.participationType, code, display)
const dicomRole = (code: "110152" | "110153") => coding(Hl7CodeSystems.dicom, code, code === "110152" ? "Destination Role ID" : "Source Role ID")

/** BALP's user slice: who caused it, typed as each pattern allows. */
const userAgentOf = (ctx: ExportContext, entry: AuditEntry, pattern: Pattern) => {
  const actor = entry.actor
  if (pattern === "read" || pattern === "disclose") {
    return isHuman(actor) || actor.kind === "service" ? { type: participation("IRCP", "information recipient"), actor } : undefined
  }
  if (pattern === "authenticate") return isHuman(actor) ? { type: undefined, actor } : undefined
  if (pattern === "execute") {
    const responderId = dataOf(entry).responderId
    return typeof responderId === "string" ? { type: undefined, actor: { kind: "responder" as const, id: responderId } } : undefined
  }
  if (isHuman(actor)) return { type: participation("AUT", "author (originator)"), actor }
  // A device is the source of what it reported: BALP's informant.
  if (actor.kind === "system") return { type: participation("INF", "informant"), actor }
  return undefined
}

const withName = (who: Reference) => (who.display === undefined ? {} : { name: who.display })

export const auditEventOf = (ctx: ExportContext, seq: number, entry: AuditEntry) => {
  const pattern = patternOf(entry)
  const residentId = entry.subject.residentId
  const tenant = requiredString(entry.tenant, "unknown")
  const recorded = recordedClient(entry)
  const data = dataEntity(ctx, entry)
  const user = userAgentOf(ctx, entry, pattern)
  const patientEntity = residentId === undefined
    ? []
    : [{ what: ctx.patient(entry.tenant, residentId), type: coding(Hl7CodeSystems.entityType, "1", "Person"), role: coding(Hl7CodeSystems.objectRole, "1", "Patient"), name: "resident" }]
  const userAgents = user === undefined
    ? []
    : [{ ...(user.type === undefined ? {} : { type: { coding: [user.type] } }), who: ctx.actor(user.actor), ...withName(ctx.actor(user.actor)), requestor: true }]
  const centre = ctx.centreNetwork()

  let agents: ReadonlyArray<Record<string, unknown>>
  let profile: string | undefined
  if (pattern === "read") {
    // BALP Read: the client that received the data is the Destination, the server that gave it the Source.
    const client = recorded.address === undefined ? undefined : { address: recorded.address, type: "2" as const }
    agents = [
      ...userAgents,
      { type: { coding: [dicomRole("110152")] }, who: ctx.service(writerOf(entry)), requestor: user === undefined, ...(client === undefined ? {} : { network: client }) },
      { type: { coding: [dicomRole("110153")] }, who: ctx.service(storeOf(entry)), requestor: false, network: centre }
    ]
    profile = client === undefined ? undefined : residentId === undefined ? "Read" : "PatientRead"
  } else if (pattern === "disclose") {
    // The centre's system gave the data out (Source, also the observer); the file it went to received it.
    const file = (dataOf(entry).destination as { file?: unknown } | undefined)?.file
    const host = recorded.host ?? ctx.config.centre.host
    const recipient = typeof file === "string" && fhirString(file) !== undefined ? { address: `file://${host}${file.startsWith("/") ? "" : "/"}${file}`, type: "5" as const } : undefined
    agents = [
      ...userAgents,
      { type: { coding: [dicomRole("110153")] }, who: ctx.centreSystem(), requestor: user === undefined, network: { address: requiredString(host, "localhost"), type: "1" as const } },
      {
        type: { coding: [dicomRole("110152")] },
        who: { identifier: identifier(ctx.terms.identifiers.export, typeof dataOf(entry).exportId === "string" ? (dataOf(entry).exportId as string) : entry.id), display: "export file" },
        requestor: false,
        ...(recipient === undefined ? {} : { network: recipient })
      }
    ]
    profile = recipient !== undefined && residentId !== undefined ? "PrivacyDisclosure.Source" : undefined
  } else if (pattern === "authenticate") {
    const client = recorded.address === undefined ? {} : { network: { address: recorded.address, type: "2" as const } }
    agents = [
      ...userAgents,
      { type: { coding: [dicomRole("110153")] }, who: ctx.service(writerOf(entry)), requestor: user === undefined, ...client },
      { type: { coding: [dicomRole("110152")] }, who: ctx.service(storeOf(entry)), requestor: false, network: centre }
    ]
    profile = undefined
  } else if (pattern === "execute") {
    agents = [
      ...userAgents,
      { type: { coding: [dicomRole("110153")] }, who: ctx.service(writerOf(entry)), requestor: user === undefined, network: centre },
      { type: { coding: [dicomRole("110152")] }, who: data.what, requestor: false }
    ]
    profile = undefined
  } else {
    // BALP Create / Update: the client that asked is the Source, the store that kept it the Destination.
    agents = [
      ...userAgents,
      { type: { coding: [dicomRole("110153")] }, who: ctx.service(writerOf(entry)), requestor: user === undefined, network: recorded.host === undefined ? centre : { address: recorded.host, type: "1" as const } },
      { type: { coding: [dicomRole("110152")] }, who: { ...ctx.service(storeOf(entry)), ...(entry.origin === undefined ? {} : { display: `event store (NATS JetStream) ${entry.origin.stream}` }) }, requestor: false, network: centre }
    ]
    const base = pattern === "create" ? "Create" : "Update"
    profile = residentId === undefined ? base : `Patient${base}`
  }

  const outcomeOfSignIn = dataOf(entry).outcome
  const type = pattern === "disclose"
    ? coding(Hl7CodeSystems.dicom, "110106", "Export")
    : pattern === "authenticate"
    ? coding(Hl7CodeSystems.dicom, "110114", "User Authentication")
    : coding(Hl7CodeSystems.auditEventType, "rest", "Restful Operation")
  const subtype = pattern === "disclose"
    ? [coding(Hl7CodeSystems.lifecycle, "disclose", "Disclose Record Lifecycle Event")]
    : pattern === "authenticate"
    ? (outcomeOfSignIn === "signed_out_everywhere" ? [coding(Hl7CodeSystems.dicom, "110123", "Logout")] : outcomeOfSignIn === "lock_lifted" ? [] : [coding(Hl7CodeSystems.dicom, "110122", "Login")])
    : [coding(Hl7CodeSystems.restfulInteraction, pattern === "execute" ? "operation" : pattern, pattern === "execute" ? "operation" : pattern)]
  // A refused e-lock opening, a failed or refused sign-in: the operation did not succeed.
  const denied = (entry.kind === "elock_access" && entry.id.startsWith("elock-use-denied")) || (pattern === "authenticate" && (outcomeOfSignIn === "failed" || outcomeOfSignIn === "refused"))
  return {
    resourceType: "AuditEvent" as const,
    id: auditEventId(seq),
    ...(profile === undefined ? {} : { meta: { profile: [BalpProfile(profile)] } }),
    type,
    ...(subtype.length === 0 ? {} : { subtype }),
    action: pattern === "create" ? ("C" as const) : pattern === "update" ? ("U" as const) : pattern === "execute" || pattern === "authenticate" ? ("E" as const) : ("R" as const),
    recorded: fhirInstant(entry.at) ?? ctx.fallbackTime,
    // A refused e-lock opening is a failed operation, not a success.
    outcome: denied ? ("4" as const) : ("0" as const),
    ...(denied && fhirString(entry.summary) !== undefined ? { outcomeDesc: fhirString(entry.summary)! } : {}),
    ...(entry.kind === "record_view" && entry.subject.incidentId !== undefined
      ? { purposeOfEvent: [{ coding: [coding(Hl7CodeSystems.actReason, "TREAT", "treatment")] }] }
      : {}),
    agent: agents,
    source: {
      site: tenant,
      observer: ctx.centreSystem(),
      type: [coding(Hl7CodeSystems.sourceType, "4", "Application Server")]
    },
    entity: [...patientEntity, data, ...contextEntities(ctx, seq, entry, data)]
  }
}

export type FhirAuditEvent = ReturnType<typeof auditEventOf>
