import type { AuditEntry, AuditKind } from "@wt/contracts"
import { BalpProfile, CodeSystems, IdentifierSystems } from "./code-systems.ts"
import { actorRef, centreRef, coding, fhirInstant, fhirString, isHuman, patientRef, requiredString } from "./fhir-values.ts"

type Action = "C" | "R" | "U" | "D" | "E"

interface Pattern {
  readonly type: ReturnType<typeof coding>
  readonly subtype: ReadonlyArray<ReturnType<typeof coding>>
  readonly action: Action
  /** The BALP profile's name, with and without an identifiable patient; none where BALP has no pattern. */
  readonly profile: { readonly patient?: string; readonly other?: string }
}

const rest = coding(CodeSystems.auditEventType, "rest", "Restful Operation")
const interaction = (code: string) => coding(CodeSystems.restfulInteraction, code, code)
const create: Pattern = { type: rest, subtype: [interaction("create")], action: "C", profile: { patient: "PatientCreate", other: "Create" } }
const update: Pattern = { type: rest, subtype: [interaction("update")], action: "U", profile: { patient: "PatientUpdate", other: "Update" } }
const read: Pattern = { type: rest, subtype: [interaction("read")], action: "R", profile: { patient: "PatientRead", other: "Read" } }
// An export hands records over: BALP's privacy-disclosure pattern (DICOM Export, ISO 21089 disclose).
const disclose: Pattern = {
  type: coding(CodeSystems.dicom, "110106", "Export"),
  subtype: [coding(CodeSystems.lifecycle, "disclose", "Disclose Record Lifecycle Event")],
  action: "R",
  profile: {}
}

const unlock: Pattern = { type: rest, subtype: [], action: "E", profile: {} }

/**
 * How each kind of audit entry reads as a BALP event: a device event stored and a triage
 * decision are creations; an incident's first event creates it and every later one
 * updates it, as operator actions and configuration changes do; a look at a resident's
 * record is BALP's patient-privacy read; an export is a disclosure.
 */
const patternOf = (entry: AuditEntry): Pattern => {
  const kind: AuditKind = entry.kind
  switch (kind) {
    case "device_event":
    case "device_events":
    case "triage_decision":
      return create
    case "incident_event":
      return (entry.data as { type?: unknown } | undefined)?.type === "incident_opened" ? create : update
    case "operator_action":
    case "config_change":
      return update
    case "record_view":
      return read
    case "export":
      return disclose
    case "elock_access":
      // A grant creates a time-boxed access right and a revocation ends it; an opening (or a
      // refused one) is an execution, for which BALP has no pattern of its own.
      if (entry.id.startsWith("elock-grant-")) return create
      if (entry.id.startsWith("elock-revoke-")) return update
      return unlock
  }
}

/** What an entry with no incident or device event is about, as BALP's data entity names it. */
const DataOf: Record<AuditKind, string> = {
  device_event: "device event",
  device_events: "device events",
  triage_decision: "triage decision",
  incident_event: "incident",
  operator_action: "incident",
  record_view: "resident record",
  config_change: "configuration",
  export: "audit trail",
  elock_access: "e-lock access"
}

/** The ids of the device events a `device_events` entry holds, in stream order. */
const batchedEventIds = (entry: AuditEntry): ReadonlyArray<string> => {
  if (entry.kind !== "device_events") return []
  const events = (entry.data as { events?: unknown } | undefined)?.events
  if (!Array.isArray(events)) return []
  return events.flatMap((e: { event?: { id?: unknown } }) => (typeof e?.event?.id === "string" ? [e.event.id] : []))
}

/** The FHIR id of the AuditEvent for the entry at `seq` in WT_AUDIT: the sequence is unique and names the sealed entry. */
export const auditEventId = (seq: number) => `wt-audit-${seq}`

const entityType = (code: "1" | "2", display: string) => coding(CodeSystems.entityType, code, display)
const objectRole = (code: string, display: string) => coding(CodeSystems.objectRole, code, display)

/**
 * One audit entry as an AuditEvent following IHE Basic Audit Log Patterns: the actor
 * (a person, a device, one of our services) as the requesting agent, the response
 * centre as the other agent and the observer, and as entities the resident (BALP's
 * patient entity), the incident, the device event and the audit entry itself with
 * its WT_AUDIT sequence, so the event can be checked against the sealed trail.
 */
export const auditEventOf = (seq: number, entry: AuditEntry, fallbackTime: string) => {
  const pattern = patternOf(entry)
  const residentId = entry.subject.residentId
  const profile = residentId === undefined ? pattern.profile.other : pattern.profile.patient
  const human = isHuman(entry.actor)
  const tenant = requiredString(entry.tenant, "unknown")
  const summary = fhirString(entry.summary)
  const entities = [
    ...(residentId === undefined
      ? []
      : [{ what: patientRef(residentId), type: entityType("1", "Person"), role: objectRole("1", "Patient") }]),
    ...(entry.subject.incidentId === undefined
      ? []
      : [{
        what: { identifier: { system: IdentifierSystems.incident, value: requiredString(entry.subject.incidentId, "unknown") } },
        type: entityType("2", "System Object"),
        role: objectRole("4", "Domain Resource"),
        name: "incident"
      }]),
    ...(entry.subject.eventId === undefined
      ? []
      : [{
        what: { identifier: { system: IdentifierSystems.deviceEvent, value: requiredString(entry.subject.eventId, "unknown") } },
        type: entityType("2", "System Object"),
        role: objectRole("4", "Domain Resource"),
        name: "device event"
      }]),
    // A batch of device events: each one, as the entry of a single event names it.
    ...batchedEventIds(entry).map((id) => ({
      what: { identifier: { system: IdentifierSystems.deviceEvent, value: requiredString(id, "unknown") } },
      type: entityType("2", "System Object"),
      role: objectRole("4", "Domain Resource"),
      name: "device event"
    })),
    ...(entry.subject.deviceId === undefined
      ? []
      : [{
        what: { identifier: { system: IdentifierSystems.device, value: requiredString(entry.subject.deviceId, "unknown") }, type: "Device" },
        type: entityType("2", "System Object"),
        name: "device"
      }]),
    // BALP's data entity (System Object, Domain Resource): what was created, read or changed.
    ...(entry.subject.incidentId !== undefined || entry.subject.eventId !== undefined
      ? []
      : [{
        what: residentId === undefined ? { display: requiredString(DataOf[entry.kind], "record") } : { ...patientRef(residentId), display: "resident record" },
        type: entityType("2", "System Object"),
        role: objectRole("4", "Domain Resource"),
        name: requiredString(DataOf[entry.kind], "record")
      }]),
    {
      what: { identifier: { system: IdentifierSystems.auditEntry, value: requiredString(entry.id, "unknown") } },
      type: entityType("2", "System Object"),
      role: objectRole("13", "Security Resource"),
      name: "audit entry",
      ...(summary === undefined ? {} : { description: summary }),
      detail: [
        { type: "WT_AUDIT sequence", valueString: String(seq) },
        { type: "audit kind", valueString: entry.kind }
      ]
    }
  ]
  return {
    resourceType: "AuditEvent" as const,
    id: auditEventId(seq),
    ...(profile === undefined ? {} : { meta: { profile: [BalpProfile(profile)] } }),
    type: pattern.type,
    subtype: [...pattern.subtype, coding(CodeSystems.auditKind, entry.kind, entry.kind)],
    action: pattern.action,
    recorded: fhirInstant(entry.at) ?? fallbackTime,
    outcome: "0",
    ...(entry.kind === "record_view" && entry.subject.incidentId !== undefined
      ? { purposeOfEvent: [{ coding: [coding(CodeSystems.actReason, "TREAT", "treatment")] }] }
      : {}),
    agent: [
      {
        type: { coding: [human ? coding(CodeSystems.securityRole, "humanuser", "human user") : coding(CodeSystems.dicom, "110153", "Source Role ID")] },
        who: actorRef(entry.actor),
        requestor: true
      },
      {
        type: { coding: [coding(CodeSystems.dicom, "110152", "Destination Role ID")] },
        who: centreRef(tenant),
        requestor: false
      },
      // A person acts through an application: BALP's client agent.
      ...(human
        ? [{
          type: { coding: [coding(CodeSystems.dicom, "110153", "Source Role ID")] },
          who: { type: "Device", identifier: { system: IdentifierSystems.service, value: "wt-client" }, display: "response centre console or CLI" },
          requestor: false
        }]
        : [])
    ],
    source: {
      site: tenant,
      observer: centreRef(tenant),
      type: [coding(CodeSystems.sourceType, "4", "Application Server")]
    },
    entity: entities
  }
}

export type FhirAuditEvent = ReturnType<typeof auditEventOf>
