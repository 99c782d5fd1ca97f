import type { ValueSetFixture } from "./profile-check.ts"

/**
 * The value sets the claimed profiles bind, for the tests: the codes only, as read from
 * their publications (no displays or definitions). The national ones change between
 * editions under one version string, so each is kept per edition with the day it was
 * published (HL7Norway/Velferdsteknologi, VKP-R4/CodeSystem; each VKP value set includes
 * its whole code system).
 */

const vkp = (name: string) => ({ vs: `http://ehelse.no/fhir/ValueSet/${name}`, cs: `http://ehelse.no/fhir/CodeSystem/${name}` })

interface NationalEditionCodes {
  readonly from: string
  readonly codes: ReadonlyArray<string>
}

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`)

const national: ReadonlyArray<{ readonly name: string; readonly editions: ReadonlyArray<NationalEditionCodes> }> = [
  {
    name: "vkp-alert-code-v090",
    editions: [
      // 0e3874f: 0 summary, 1.x action performed, 2.x inactive patient, 3.x dispenser, 4.x patient alerts.
      { from: "2021-11-02", codes: ["0", "1", "1.1", "1.2", "1.3", "2", "2.1", "2.2", "3", ...range("3.", 3, 17), ...range("3.", 21, 27), "4", ...range("4.", 1, 23)] },
      // c667e46: dispenser deviations moved to 1.x keeping their numbers; 4.24 epilepsy; 5.x digital home follow-up.
      {
        from: "2021-11-26",
        codes: ["1", ...range("1.", 3, 17), ...range("1.", 21, 27), "2", "3", "4", ...range("4.", 1, 24), "5", "5.1", "5.2", "5.2.1", "5.2.2", "5.2.3", "5.3", "5.3.1", "5.3.2", "6", "7", "7.1"]
      },
      // 27a3071 (and cf9c099 after the withdrawn upload): dispenser deviations 1.1–1.23.
      {
        from: "2022-01-14",
        codes: ["1", ...range("1.", 1, 23), "2", "3", "4", ...range("4.", 1, 24), "5", "5.1", "5.2", "5.2.1", "5.2.2", "5.2.3", "5.3", "5.3.1", "5.3.2", "6", "7", "7.1"]
      }
    ]
  },
  { name: "vkp-composition-event-v090", editions: [{ from: "2021-11-02", codes: ["0", "1", "3", "4", "5"] }, { from: "2021-11-16", codes: ["0", "1", "3", "4", "5", "6", "7", "8", "9", "10"] }] },
  { name: "vkp-composition-category-v090", editions: [{ from: "2021-11-17", codes: ["1", "2"] }] },
  { name: "vkp-composition-section-v090", editions: [{ from: "2021-11-16", codes: ["1", "2"] }, { from: "2021-11-30", codes: ["1", "1.1", "1.2", "1.3", "2"] }] },
  { name: "vkp-severity-level-v090", editions: [{ from: "2021-09-02", codes: ["0", "10", "20", "30", "40"] }] },
  { name: "vkp-triage-v090", editions: [{ from: "2021-06-03", codes: ["R", "O", "Y", "G", "B", "BL", "NR"] }] },
  { name: "vkp-encounter-mode-v090", editions: [{ from: "2022-04-06", codes: ["0", "1", "2", "3", "4"] }] },
  { name: "vkp-encounter-reason-v090", editions: [{ from: "2021-12-13", codes: ["1", "2"] }] }
]

/** The national value sets as published at `at` (ISO instant); one published later is absent. */
export const nationalValueSetsAt = (at: string): ReadonlyArray<ValueSetFixture> =>
  national.flatMap(({ name, editions }) => {
    const edition = [...editions].reverse().find((e) => Date.parse(`${e.from}T00:00:00Z`) <= Date.parse(at))
    if (edition === undefined) return []
    const { vs, cs } = vkp(name)
    return [{ url: vs, title: `${name} as published ${edition.from}`, include: [{ system: cs, codes: edition.codes }] }]
  })

const restful = "http://hl7.org/fhir/restful-interaction"
const participation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"

/** BALP's own value sets (IHE ITI BasicAudit 1.1.4) and the HL7 ones its profiles bind. */
export const balpValueSets: ReadonlyArray<ValueSetFixture> = [
  { url: "https://profiles.ihe.net/ITI/BALP/ValueSet/AllReadVS", title: "BALP: all reads", include: [{ system: restful, codes: ["read", "vread"] }] },
  { url: "https://profiles.ihe.net/ITI/BALP/ValueSet/AllUpdateVS", title: "BALP: all updates", include: [{ system: restful, codes: ["update", "patch"] }] },
  {
    url: "https://profiles.ihe.net/ITI/BALP/ValueSet/DataSources",
    title: "BALP: participant types of a user who creates or updates",
    include: [{ system: participation, codes: ["AUT", "INF", "CST"] }]
  },
  {
    url: "https://profiles.ihe.net/ITI/BALP/ValueSet/RestObjectRoles",
    title: "BALP: roles of a RESTful object",
    include: [{ system: "http://terminology.hl7.org/CodeSystem/object-role", codes: ["4", "3", "20"] }]
  }
]

/**
 * HL7 value sets FHIR.js does not carry, for the elements where the export uses one of
 * their codes: only the codes used, each checked against its publication.
 */
export const hl7ValueSetsFhirJsLacks: ReadonlyArray<ValueSetFixture> = [
  // R4 AuditEvent.purposeOfEvent (extensible): v3 ActReason's PurposeOfUse concepts, of which TREAT is one.
  { url: "http://terminology.hl7.org/ValueSet/v3-PurposeOfUse", title: "v3 PurposeOfUse (the code used)", include: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", codes: ["TREAT"] }] },
  // R4 Composition.type (preferred): LOINC codes of scale DOC; 34109-9 "Note" is one.
  { url: "http://hl7.org/fhir/ValueSet/doc-typecodes", title: "LOINC document type codes (the code used)", include: [{ system: "http://loinc.org", codes: ["34109-9"] }] },
  // R4 Encounter.class (extensible): v3 ActEncounterCode, of which VR (virtual) is one.
  { url: "http://terminology.hl7.org/ValueSet/v3-ActEncounterCode", title: "v3 ActEncounterCode (the code used)", include: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", codes: ["VR"] }] }
]
