/**
 * Code systems and extensions. The national welfare-technology codes (alert codes,
 * handling-log states, severity) live in Norsk helsenett's VKP code systems; until the
 * export is profiled against the VKP-R4 guide, these URLs under our own base stand in
 * for them, carrying the same codes.
 */
const Base = "https://fhir.wt.example.no"

export const CodeSystems = {
  /** Stand-in for VKP's alert codes (4.x events, 1.x medication-dispenser deviations). */
  alertCode: `${Base}/CodeSystem/vkp-alert-code`,
  /** Stand-in for VKP's handling-log states (0 reported … 10 other actor). */
  handlingState: `${Base}/CodeSystem/vkp-handling-state`,
  /** Stand-in for VKP's severity scale (0, 10 normal … 40 critical). */
  severity: `${Base}/CodeSystem/vkp-severity`,
  triageColour: `${Base}/CodeSystem/triage-colour`,
  priority: `${Base}/CodeSystem/priority`,
  /** Our alarm types, `safety_alarm:pendant`, `sensor:door` … */
  alarmType: `${Base}/CodeSystem/alarm-type`,
  /** Our timeline entry kinds, `incident_claimed`, `triage_decision` … */
  timelineEntry: `${Base}/CodeSystem/timeline-entry`,
  /** Our audit entry kinds, `record_view`, `export` … */
  auditKind: `${Base}/CodeSystem/audit-kind`,
  documentType: `${Base}/CodeSystem/document-type`,
  auditEventType: "http://terminology.hl7.org/CodeSystem/audit-event-type",
  restfulInteraction: "http://hl7.org/fhir/restful-interaction",
  dicom: "http://dicom.nema.org/resources/ontology/DCM",
  lifecycle: "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle",
  securityRole: "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
  sourceType: "http://terminology.hl7.org/CodeSystem/security-source-type",
  entityType: "http://terminology.hl7.org/CodeSystem/audit-entity-type",
  objectRole: "http://terminology.hl7.org/CodeSystem/object-role",
  actReason: "http://terminology.hl7.org/CodeSystem/v3-ActReason",
  flagCategory: "http://terminology.hl7.org/CodeSystem/flag-category",
  flagPriority: "http://hl7.org/fhir/flag-priority-code"
} as const

/** Identifier systems: ids as the response centre issues them. */
export const IdentifierSystems = {
  resident: `${Base}/NamingSystem/resident-id`,
  device: `${Base}/NamingSystem/device-id`,
  deviceEvent: `${Base}/NamingSystem/device-event-id`,
  incident: `${Base}/NamingSystem/incident-id`,
  auditEntry: `${Base}/NamingSystem/audit-entry-id`,
  user: `${Base}/NamingSystem/user-id`,
  service: `${Base}/NamingSystem/service-id`,
  export: `${Base}/NamingSystem/fhir-export-id`
} as const

export const Extensions = {
  severity: `${Base}/StructureDefinition/alert-severity`,
  triageColour: `${Base}/StructureDefinition/triage-colour`,
  priority: `${Base}/StructureDefinition/triage-priority`,
  triageRule: `${Base}/StructureDefinition/triage-rule`,
  fireService: `${Base}/StructureDefinition/fire-service-alerted`,
  entryTime: `${Base}/StructureDefinition/handling-log-time`,
  /** HL7's own R4 extension on Flag. */
  flagPriority: "http://hl7.org/fhir/StructureDefinition/flag-priority"
} as const

/** IHE Basic Audit Log Patterns profiles an AuditEvent claims. */
export const BalpProfile = (name: string) => `https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.${name}`
