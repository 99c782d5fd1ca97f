import type { ProfileFixture, Rule, Slice } from "./profile-check.ts"

/**
 * The constraints of the profiles the export claims, restated in our own words for the
 * tests (profile-check.ts): IHE ITI Basic Audit Log Patterns 1.1.4 (IHE/ITI.BasicAudit,
 * input/fsh: PatientCreate.fsh, PatientRead.fsh, PatientUpdate.fsh, Disclose.fsh) and
 * VKP-R4 0.9.0 (HL7Norway/Velferdsteknologi, VKP-R4/StructureDefinition). Only the rules
 * that constrain an instance are kept; must-support flags and descriptions are not.
 */

const balp = (name: string) => `https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.${name}`
const balpVs = (name: string) => `https://profiles.ihe.net/ITI/BALP/ValueSet/${name}`
const DCM = "http://dicom.nema.org/resources/ontology/DCM"
const entityType = (code: string) => ({ system: "http://terminology.hl7.org/CodeSystem/audit-entity-type", code })
const agentType = (code: string) => ({ coding: [{ system: DCM, code }] })

/** A machine agent of a RESTful pattern: identified, with its network address, on no media. */
const machineAgent = (name: string, dcm: string): Slice => ({
  name,
  discriminator: { path: "type", pattern: agentType(dcm) },
  min: 1,
  max: 1,
  rules: [{ path: "type", min: 1, max: 1 }, { path: "who", min: 1, max: 1 }, { path: "network", min: 1, max: 1 }, { path: "media", max: 0 }]
})

/** The person (or app) on whose behalf: requestor, not a network device. */
const userAgent = (discriminator: Slice["discriminator"]): Slice => ({
  name: "user",
  discriminator,
  min: 0,
  max: 1,
  rules: [{ path: "type", min: 1, max: 1 }, { path: "who", min: 1, max: 1 }, { path: "requestor", fixed: true }, { path: "media", max: 0 }, { path: "network", max: 0 }]
})

/** The one data entity (System Object) and the optional X-Request-Id transaction entity. */
const restEntities: Rule = {
  path: "entity",
  min: 1,
  slices: [
    { name: "transaction", discriminator: { path: "type", pattern: { system: "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType", code: "XrequestId" } }, min: 0, max: 1, rules: [{ path: "what.identifier.value", min: 1, max: 1 }] },
    {
      name: "data",
      discriminator: { path: "type", pattern: entityType("2") },
      min: 1,
      max: 1,
      rules: [{ path: "type", min: 1, max: 1 }, { path: "role", min: 1, binding: balpVs("RestObjectRoles") }, { path: "what", min: 1, max: 1 }]
    }
  ]
}

/** The resident as BALP's patient entity: a Person in the Patient role, referring to a Patient. */
const patientSlice: Slice = {
  name: "patient",
  discriminator: { path: "type", pattern: entityType("1") },
  min: 1,
  max: 1,
  rules: [
    { path: "type", min: 1, max: 1 },
    { path: "role", min: 1, pattern: { system: "http://terminology.hl7.org/CodeSystem/object-role", code: "1" } },
    { path: "what", min: 1, max: 1, referenceTo: "Patient" }
  ]
}

const rest = (subtype: Slice, action: string, client: string, server: string, user: Slice["discriminator"]): ReadonlyArray<Rule> => [
  { path: "type", pattern: { system: "http://terminology.hl7.org/CodeSystem/audit-event-type", code: "rest" } },
  { path: "subtype", min: 1, slices: [subtype] },
  { path: "action", fixed: action },
  { path: "recorded", min: 1, max: 1 },
  { path: "outcome", min: 1, fixed: "0" },
  { path: "agent", min: 2, slices: [machineAgent("client", client), machineAgent("server", server), userAgent(user)] },
  restEntities
]

const restfulInteraction = "http://hl7.org/fhir/restful-interaction"
const participation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
const source = "IHE/ITI.BasicAudit 1.1.4, input/fsh"

export const balpProfiles: ReadonlyArray<ProfileFixture> = [
  {
    url: balp("Create"),
    resourceType: "AuditEvent",
    source: `${source}/PatientCreate.fsh`,
    // Create: the client that asks is the Source (110153), the server the Destination (110152).
    rules: rest(
      { name: "anyCreate", discriminator: { path: "", pattern: { system: restfulInteraction, code: "create" } }, min: 1, max: 1, rules: [] },
      "C",
      "110153",
      "110152",
      { path: "type", valueSet: balpVs("DataSources") }
    )
  },
  { url: balp("PatientCreate"), resourceType: "AuditEvent", parent: balp("Create"), source: `${source}/PatientCreate.fsh`, rules: [{ path: "entity", min: 2, slices: [patientSlice] }] },
  {
    url: balp("Update"),
    resourceType: "AuditEvent",
    source: `${source}/PatientUpdate.fsh`,
    rules: rest(
      { name: "anyUpdate", discriminator: { path: "", valueSet: balpVs("AllUpdateVS") }, min: 1, max: 1, rules: [] },
      "U",
      "110153",
      "110152",
      { path: "type", valueSet: balpVs("DataSources") }
    )
  },
  { url: balp("PatientUpdate"), resourceType: "AuditEvent", parent: balp("Update"), source: `${source}/PatientUpdate.fsh`, rules: [{ path: "entity", min: 2, slices: [patientSlice] }] },
  {
    url: balp("Read"),
    resourceType: "AuditEvent",
    source: `${source}/PatientRead.fsh`,
    // Read turns the roles round: the client that receives is the Destination (110152), the server the Source (110153).
    rules: rest(
      { name: "anyRead", discriminator: { path: "", valueSet: balpVs("AllReadVS") }, min: 1, max: 1, rules: [] },
      "R",
      "110152",
      "110153",
      { path: "type", pattern: { coding: [{ system: participation, code: "IRCP" }] } }
    )
  },
  { url: balp("PatientRead"), resourceType: "AuditEvent", parent: balp("Read"), source: `${source}/PatientRead.fsh`, rules: [{ path: "entity", min: 2, slices: [patientSlice] }] },
  {
    url: balp("PrivacyDisclosure.Source"),
    resourceType: "AuditEvent",
    source: `${source}/Disclose.fsh`,
    rules: [
      { path: "modifierExtension", max: 0 },
      { path: "type", min: 1, pattern: { system: DCM, code: "110106" } },
      { path: "action", fixed: "R" },
      {
        path: "subtype",
        slices: [{ name: "disclosure", discriminator: { path: "", pattern: { system: "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle", code: "disclose" } }, min: 1, max: 1, rules: [] }]
      },
      { path: "recorded", min: 1, max: 1 },
      { path: "outcome", min: 1, max: 1 },
      {
        path: "agent",
        min: 2,
        slices: [
          {
            name: "source",
            discriminator: { path: "type", pattern: agentType("110153") },
            min: 1,
            max: 1,
            // val-audit-source: the source agent is the one that recorded the event.
            rules: [{ path: "type", min: 1, max: 1 }, { path: "who", min: 1, max: 1, equalsRootPath: "source.observer" }, { path: "network", min: 1, max: 1 }]
          },
          {
            name: "recipient",
            discriminator: { path: "type", pattern: agentType("110152") },
            min: 1,
            max: 1,
            rules: [{ path: "type", min: 1, max: 1 }, { path: "who", min: 1, max: 1 }, { path: "network", min: 1, max: 1 }]
          }
        ]
      },
      { path: "entity", min: 2, slices: [patientSlice] }
    ]
  }
]

const vkpSd = (name: string) => `http://ehelse.no/fhir/StructureDefinition/${name}`
const vkpVs = (name: string) => `http://ehelse.no/fhir/ValueSet/${name}`
const vkpSource = "HL7Norway/Velferdsteknologi, VKP-R4/StructureDefinition"

export const vkpProfiles: ReadonlyArray<ProfileFixture> = [
  {
    url: vkpSd("vkp-Flag-v090"),
    resourceType: "Flag",
    // Removed from the repository on 2025-09-16 (c9c036c) with vkp-flag-code; read at its last version.
    source: `${vkpSource}/vkp-flag-v090.structuredefinition-profile.xml at c9c036c^`,
    rules: [
      {
        path: "extension",
        min: 1,
        slices: [
          {
            name: "severityLevel",
            discriminator: { path: "url", pattern: vkpSd("vkp-severity-level-v090") },
            min: 1,
            max: 1,
            // The extension's definition binds its value (required) to the severity value set. It also fixes
            // the coding's system to the value set's own URL, which no coding of that value set has; that
            // one rule is not restated here (docs/fhir-export.md).
            rules: [{ path: "valueCodeableConcept", min: 1, max: 1, binding: vkpVs("vkp-severity-level-v090") }]
          },
          { name: "detail", discriminator: { path: "url", pattern: "http://hl7.org/fhir/StructureDefinition/flag-detail" }, min: 0, max: 1, rules: [{ path: "valueReference", min: 1, max: 1 }] }
        ]
      },
      { path: "period", min: 1, max: 1 },
      { path: "period.start", min: 1 }
    ]
  },
  {
    url: vkpSd("vkp-DetectedIssue-v090"),
    resourceType: "DetectedIssue",
    source: `${vkpSource}/vkp-DetectedIssue-v090.structuredefinition-profile.xml`,
    rules: [{ path: "code", min: 1, max: 1, binding: vkpVs("vkp-alert-code-v090") }, { path: "patient", min: 1, max: 1 }]
  },
  {
    url: vkpSd("vkp-Composition-v090"),
    resourceType: "Composition",
    source: `${vkpSource}/vkp-Composition-v090.structuredefinition-profile.xml`,
    rules: [
      { path: "category", min: 1, binding: vkpVs("vkp-composition-category-v090") },
      { path: "subject", min: 1, max: 1 },
      { path: "event.code", binding: vkpVs("vkp-composition-event-v090") },
      // Extensible: a section may carry a code of its own when none of VKP's fits; ours always use VKP's.
      { path: "section.code", binding: vkpVs("vkp-composition-section-v090") }
    ]
  },
  {
    url: vkpSd("vkp-Encounter-v090"),
    resourceType: "Encounter",
    source: `${vkpSource}/vkp-Encounter-v090.StructureDefinition-profile.xml`,
    rules: [
      { path: "identifier.system", fixed: "urn:ietf:rfc:3986" },
      { path: "subject", min: 1, max: 1 },
      { path: "participant", min: 1, each: [{ path: "type", min: 1, max: 1, binding: vkpVs("vkp-encounter-mode-v090") }] },
      { path: "period", min: 1, max: 1 },
      { path: "reasonCode", max: 1, binding: vkpVs("vkp-encounter-reason-v090") }
    ]
  }
]
