/**
 * Canonical URLs of the code systems, profiles, extensions and identifier systems the
 * export uses. National ones first (Norsk helsenett's VKP-R4 material as published in
 * HL7Norway/Velferdsteknologi; HL7 Norway's identifier OIDs), then HL7 and IHE, and last
 * our own, which live under a configurable base and are used only where no national or
 * international code exists.
 */

/** VKP-R4 0.9.0 (`http://ehelse.no/fhir/…`): the code systems every edition of which is versioned in code-tables.ts. */
export const VkpCodeSystems = {
  alertCode: "http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090",
  severityLevel: "http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090",
  triage: "http://ehelse.no/fhir/CodeSystem/vkp-triage-v090",
  compositionCategory: "http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090",
  compositionEvent: "http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090",
  compositionSection: "http://ehelse.no/fhir/CodeSystem/vkp-composition-section-v090",
  encounterMode: "http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090",
  encounterReason: "http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090"
} as const

export const VkpProfiles = {
  flag: "http://ehelse.no/fhir/StructureDefinition/vkp-Flag-v090",
  detectedIssue: "http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090",
  composition: "http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090",
  encounter: "http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090",
  location: "http://hl7.no/fhir/StructureDefinition/no-basis-Location"
} as const

export const VkpExtensions = {
  severityLevel: "http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090",
  elock: "http://ehelse.no/fhir/StructureDefinition/vkp-elock-v090"
} as const

/** HL7 Norway's identifier systems (no-basis). */
export const NorwegianIdentifiers = {
  /** Fødselsnummer, assigned by Skatteetaten. */
  nationalIdentityNumber: "urn:oid:2.16.578.1.12.4.1.4.1",
  /** D-nummer. */
  dNumber: "urn:oid:2.16.578.1.12.4.1.4.2",
  /** Organisasjonsnummer, Enhetsregisteret (Brønnøysundregistrene). */
  organisationNumber: "urn:oid:2.16.578.1.12.4.1.4.101"
} as const

/** HL7 (terminology.hl7.org, FHIR R4 core), DICOM, LOINC and IHE code systems. */
export const Hl7CodeSystems = {
  auditEventType: "http://terminology.hl7.org/CodeSystem/audit-event-type",
  auditEventOutcome: "http://terminology.hl7.org/CodeSystem/audit-event-outcome",
  restfulInteraction: "http://hl7.org/fhir/restful-interaction",
  dicom: "http://dicom.nema.org/resources/ontology/DCM",
  lifecycle: "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle",
  participationType: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
  sourceType: "http://terminology.hl7.org/CodeSystem/security-source-type",
  entityType: "http://terminology.hl7.org/CodeSystem/audit-entity-type",
  objectRole: "http://terminology.hl7.org/CodeSystem/object-role",
  networkType: "http://hl7.org/fhir/network-type",
  actReason: "http://terminology.hl7.org/CodeSystem/v3-ActReason",
  actCode: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
  flagCategory: "http://terminology.hl7.org/CodeSystem/flag-category",
  flagPriority: "http://hl7.org/fhir/flag-priority-code",
  loinc: "http://loinc.org"
} as const

export const Hl7Extensions = {
  flagPriority: "http://hl7.org/fhir/StructureDefinition/flag-priority",
  flagDetail: "http://hl7.org/fhir/StructureDefinition/flag-detail"
} as const

/** IHE ITI Basic Audit Log Patterns 1.1.x (the 1.1.4 publication). */
export const BalpVersion = "1.1.4"
export const BalpProfile = (name: string) => `https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.${name}`

/** The base our own canonical URLs live under unless the export's configuration names another. */
export const DefaultOwnBase = "https://fhir.wt.example.no"

/**
 * Our own canonical URLs under `base`: code systems only for what no national or HL7
 * code covers (each published by the export as a CodeSystem resource), extensions for
 * what no profile has an element for, and identifier systems for our own ids.
 */
export const ownTerms = (base: string) => {
  const b = base.replace(/\/+$/u, "")
  return {
    base: b,
    codeSystems: {
      /** Our alarm types, `safety_alarm:pendant`, `sensor:door` …: finer than any national alert code. */
      alarmType: `${b}/CodeSystem/alarm-type`,
      /** Our handling-log entry kinds, `incident_claimed`, `handover_offered` …: the national states name fewer. */
      handlingEntry: `${b}/CodeSystem/handling-log-entry`,
      /** Our triage priorities P1–P4 (national severity and triage colour are given beside them). */
      priority: `${b}/CodeSystem/priority`
    },
    extensions: {
      triageColour: `${b}/StructureDefinition/triage-colour`,
      priority: `${b}/StructureDefinition/triage-priority`,
      triageRule: `${b}/StructureDefinition/triage-rule`,
      fireService: `${b}/StructureDefinition/fire-service-alerted`,
      handlingEntry: `${b}/StructureDefinition/handling-log-entry`,
      handlingTime: `${b}/StructureDefinition/handling-log-time`,
      alarmType: `${b}/StructureDefinition/alarm-type`
    },
    identifiers: {
      resident: `${b}/NamingSystem/resident-id`,
      device: `${b}/NamingSystem/device-id`,
      deviceEvent: `${b}/NamingSystem/device-event-id`,
      deviceEventBatch: `${b}/NamingSystem/device-event-batch`,
      incident: `${b}/NamingSystem/incident-id`,
      triageDecision: `${b}/NamingSystem/triage-decision`,
      auditEntry: `${b}/NamingSystem/audit-entry-id`,
      user: `${b}/NamingSystem/user-id`,
      service: `${b}/NamingSystem/service-id`,
      tenant: `${b}/NamingSystem/tenant-id`,
      configRecord: `${b}/NamingSystem/config-record`,
      elockGrant: `${b}/NamingSystem/elock-grant`,
      conversation: `${b}/NamingSystem/conversation`,
      export: `${b}/NamingSystem/fhir-export-id`
    }
  }
}

export type OwnTerms = ReturnType<typeof ownTerms>
