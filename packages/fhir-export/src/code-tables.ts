import { VkpCodeSystems } from "./code-systems.ts"

/**
 * The national code tables as versioned data. VKP-R4 publishes every code system as
 * version "0.9.0", but the codes behind that one version string changed several times
 * (HL7Norway/Velferdsteknologi, VKP-R4/CodeSystem): medication-dispenser deviations were
 * 3.x in the edition of 2021-11-02 (when 1.x meant "action performed"), 1.3–1.27 from
 * 2021-11-26 and 1.1–1.23 from 2022-01-14; handling-log states 6–10 exist from 2021-11-16.
 * So a code is chosen by the edition in force at the event's time, and the edition is
 * named by its publication date beside the publisher's version.
 *
 * Only the concepts this export uses are listed, each with the code and display the
 * edition gives it; an edition that has no code for a concept leaves it out, and the
 * export then carries only our own coding (counted in the report).
 */

export type AlertConcept =
  | "fall"
  | "left_bed"
  | "inactivity"
  | "fire"
  | "button"
  | "pull_cord"
  | "door_opened"
  | "door_closed"
  | "water"
  | "no_movement"
  | "left_home"
  | "failed_call"
  | "epilepsy"
  | "dose_not_dispensed"
  | "dose_unconfirmed"
  | "dispenser_roll_stuck"
  | "dispenser_nearly_empty"
  | "dispenser_open"

export type SeverityConcept = "0" | "10" | "20" | "30" | "40"
export type TriageConcept = "red" | "orange" | "yellow" | "green" | "blue"
export type HandlingConcept = "0" | "1" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "10"
export type CategoryConcept = "safety_and_coping"
export type SectionConcept = "note" | "compiled_text"
export type EncounterModeConcept = "two_way_voice"
export type EncounterReasonConcept = "event_based"

export interface Concepts {
  readonly alertCode: AlertConcept
  readonly severityLevel: SeverityConcept
  readonly triage: TriageConcept
  readonly compositionEvent: HandlingConcept
  readonly compositionCategory: CategoryConcept
  readonly compositionSection: SectionConcept
  readonly encounterMode: EncounterModeConcept
  readonly encounterReason: EncounterReasonConcept
}
export type TableName = keyof Concepts

export interface NationalCoding {
  readonly code: string
  readonly display: string
}

/** One edition of one national code system, and when it applies. */
export interface Edition<T extends TableName = TableName> {
  readonly table: T
  readonly system: string
  /** The version string the publisher gives the code system. */
  readonly version: string
  /** Our name for the edition: the day it was published. */
  readonly edition: string
  /** Where it was read (repository and commit). */
  readonly source: string
  /** Applies to events at or after this instant … */
  readonly validFrom: string
  /** … and before this one (open when absent: still in force). */
  readonly validTo?: string
  readonly codes: Readonly<Partial<Record<Concepts[T], readonly [string, string]>>>
}

const repo = "HL7Norway/Velferdsteknologi"
const day = (date: string) => `${date}T00:00:00.000Z`

const shared4x = {
  fall: ["4.1", "Fall"],
  left_bed: ["4.2", "Forlatt sengen"],
  inactivity: ["4.9", "Inaktivitet"],
  fire: ["4.11", "Brannalarm"],
  button: ["4.13", "Knappetrykk"],
  pull_cord: ["4.14", "Snortrekk"],
  door_opened: ["4.15", "Dør åpnet"],
  door_closed: ["4.16", "Dør lukket"],
  water: ["4.17", "Vannalarm"],
  no_movement: ["4.19", "Manglende bevegelse"],
  left_home: ["4.21", "Forlatt bolig"],
  failed_call: ["4.22", "Mislykket brukeranrop"]
} as const

/** vkp-alert-code-v090: three editions that number the dispenser deviations differently. */
const alertEditions: ReadonlyArray<Edition<"alertCode">> = [
  {
    table: "alertCode",
    system: VkpCodeSystems.alertCode,
    version: "0.9.0",
    edition: "2021-11-02",
    source: `${repo} 0e3874f`,
    validFrom: day("2021-11-02"),
    validTo: day("2021-11-26"),
    codes: {
      // 4 was "pasientvarsling" then, with the same 4.x codes in lower case; no 4.24 yet.
      fall: ["4.1", "fall"],
      left_bed: ["4.2", "forlatt sengen"],
      inactivity: ["4.9", "inaktivitet"],
      fire: ["4.11", "brannalarm"],
      button: ["4.13", "knappetrykk"],
      pull_cord: ["4.14", "snortrekk"],
      door_opened: ["4.15", "dør åpnet"],
      door_closed: ["4.16", "dør lukket"],
      water: ["4.17", "vannalarm"],
      no_movement: ["4.19", "manglende bevegelse"],
      left_home: ["4.21", "forlatt bolig"],
      failed_call: ["4.22", "mislykket brukeranrop"],
      // 3 "Medisindispenserhendelse"; 1.x were "Handling utført" (action performed).
      dose_unconfirmed: ["3.3", "medisin mangler bekreftelse"],
      dose_not_dispensed: ["3.7", "medisin mangler ikke utlevert"],
      dispenser_open: ["3.11", "medisin dispenser aapen"],
      dispenser_roll_stuck: ["3.14", "medisin rull stoppet"],
      dispenser_nearly_empty: ["3.25", "medisin behov pafyll"]
    }
  },
  {
    table: "alertCode",
    system: VkpCodeSystems.alertCode,
    version: "0.9.0",
    edition: "2021-11-26",
    source: `${repo} c667e46`,
    validFrom: day("2021-11-26"),
    validTo: day("2022-01-14"),
    codes: {
      ...shared4x,
      epilepsy: ["4.24", "Epilepsi"],
      // The 3.x deviations moved to 1.x, keeping their numbers.
      dose_unconfirmed: ["1.3", "Mangler utleveringsbekreftelse"],
      dose_not_dispensed: ["1.7", "Medisin ikke utlevert"],
      dispenser_open: ["1.11", "Medisindispenser aapen"],
      dispenser_roll_stuck: ["1.14", "Medisinrull sitter fast"],
      dispenser_nearly_empty: ["1.25", "Snarlig pafyll"]
    }
  },
  {
    table: "alertCode",
    system: VkpCodeSystems.alertCode,
    version: "0.9.0",
    // Renumbered 1.1–1.23. An upload of 2022-05-23 went back to the 2021-11-26 numbers and was
    // rolled back as an error on 2022-08-25 (cf9c099), so this edition is taken to hold throughout;
    // later additions (4.25, 4.26 camera supervision, 2024) touch no code used here.
    edition: "2022-01-14",
    source: `${repo} 27a3071, cf9c099`,
    validFrom: day("2022-01-14"),
    codes: {
      ...shared4x,
      epilepsy: ["4.24", "Epilepsi"],
      dose_not_dispensed: ["1.1", "Ikke utlevert"],
      dose_unconfirmed: ["1.3", "Mangler utleveringsbekreftelse"],
      dispenser_roll_stuck: ["1.8", "Rull sitter fast"],
      dispenser_nearly_empty: ["1.12", "Snart tomt for medisin"],
      dispenser_open: ["1.21", "Dispenser åpen"]
    }
  }
]

const severityEditions: ReadonlyArray<Edition<"severityLevel">> = [{
  table: "severityLevel",
  system: VkpCodeSystems.severityLevel,
  version: "0.9.0",
  // 2021-06-03 had 0/10/20/30 as green, yellow, red; the 0–40 scale came on 2021-09-02.
  edition: "2021-09-02",
  source: `${repo} c6cc3bd, 6741003`,
  validFrom: day("2021-09-02"),
  codes: { "0": ["0", "Ikke rapportert"], "10": ["10", "Normal"], "20": ["20", "Moderat"], "30": ["30", "Alvorlig"], "40": ["40", "Kritisk"] }
}]

const triageEditions: ReadonlyArray<Edition<"triage">> = [{
  table: "triage",
  system: VkpCodeSystems.triage,
  version: "0.9.0",
  edition: "2021-06-03",
  source: `${repo} 2e27600`,
  validFrom: day("2021-06-03"),
  codes: { red: ["R", "red"], orange: ["O", "orange"], yellow: ["Y", "yellow"], green: ["G", "green"], blue: ["B", "blue"] }
}]

const handlingEditions: ReadonlyArray<Edition<"compositionEvent">> = [
  {
    table: "compositionEvent",
    system: VkpCodeSystems.compositionEvent,
    version: "0.9.0",
    edition: "2021-11-02",
    source: `${repo} 0e3874f`,
    validFrom: day("2021-11-02"),
    validTo: day("2021-11-16"),
    codes: {
      "0": ["0", "hendelse_meldt"],
      "1": ["1", "hendelse_behandles"],
      "3": ["3", "hendelse_kvittert"],
      "4": ["4", "hendelse_til_utrykning"],
      "5": ["5", "hendelse_ok_utrykning"]
    }
  },
  {
    table: "compositionEvent",
    system: VkpCodeSystems.compositionEvent,
    version: "0.9.0",
    edition: "2021-11-16",
    source: `${repo} e248121`,
    validFrom: day("2021-11-16"),
    codes: {
      "0": ["0", "hendelse meldt"],
      "1": ["1", "hendelse behandles"],
      "3": ["3", "hendelse kvittert"],
      "4": ["4", "hendelse til utrykning"],
      "5": ["5", "hendelse ok utrykning"],
      "6": ["6", "årsak"],
      "7": ["7", "tiltak"],
      "8": ["8", "samtale"],
      "9": ["9", "aksjon"],
      "10": ["10", "annen aktør"]
    }
  }
]

const categoryEditions: ReadonlyArray<Edition<"compositionCategory">> = [{
  table: "compositionCategory",
  system: VkpCodeSystems.compositionCategory,
  version: "0.9.0",
  edition: "2021-11-17",
  source: `${repo} 7d5fcd4`,
  validFrom: day("2021-11-17"),
  codes: { safety_and_coping: ["1", "Trygghet og mestring"] }
}]

const sectionEditions: ReadonlyArray<Edition<"compositionSection">> = [
  {
    table: "compositionSection",
    system: VkpCodeSystems.compositionSection,
    version: "0.9.0",
    // 2 meant "tiltaksbeskrivelse" (description of measures) until 2022-01-05.
    edition: "2021-11-16",
    source: `${repo} e248121, 6b2e31b`,
    validFrom: day("2021-11-16"),
    validTo: day("2022-01-05"),
    codes: { note: ["1", "notat"] }
  },
  {
    table: "compositionSection",
    system: VkpCodeSystems.compositionSection,
    version: "0.9.0",
    edition: "2022-01-05",
    source: `${repo} e85821f`,
    validFrom: day("2022-01-05"),
    codes: { note: ["1", "notat"], compiled_text: ["2", "sammenstilt tekst"] }
  }
]

const modeEditions: ReadonlyArray<Edition<"encounterMode">> = [{
  table: "encounterMode",
  system: VkpCodeSystems.encounterMode,
  version: "0.9.0",
  edition: "2022-04-06",
  source: `${repo} 3dcef52, 4d4ba0e`,
  validFrom: day("2022-04-06"),
  codes: { two_way_voice: ["2", "toveis tale"] }
}]

const reasonEditions: ReadonlyArray<Edition<"encounterReason">> = [{
  table: "encounterReason",
  system: VkpCodeSystems.encounterReason,
  version: "0.9.0",
  // Before this edition the reasons were alert-like (1 fall … 23); from it, planned or event-based.
  edition: "2021-12-13",
  source: `${repo} f7b7b4e`,
  validFrom: day("2021-12-13"),
  codes: { event_based: ["2", "hendelsesbasert tilsyn"] }
}]

export type EditionTables = { readonly [T in TableName]: ReadonlyArray<Edition<T>> }

/** Every national edition this export knows, per code system. */
export const NationalEditions: EditionTables = {
  alertCode: alertEditions,
  severityLevel: severityEditions,
  triage: triageEditions,
  compositionEvent: handlingEditions,
  compositionCategory: categoryEditions,
  compositionSection: sectionEditions,
  encounterMode: modeEditions,
  encounterReason: reasonEditions
}

/** A national coding as it goes into a resource: system, the publisher's version, code, display. */
export interface VersionedCoding {
  readonly system: string
  readonly version: string
  readonly code: string
  readonly display: string
}

/** What an export used, for its report. */
export interface CodeTableUse {
  readonly system: string
  readonly version: string
  readonly edition: string
  readonly source: string
  readonly codings: number
}

/**
 * Picks codes from the edition in force at an instant, and counts which editions were
 * used and which concepts had no national code at their time. `pinnedAt`, when given,
 * replaces every event's own time (an export for a receiver still on an older edition).
 */
export class CodeTables {
  private readonly used = new Map<string, { edition: Edition; codings: number }>()
  private readonly missingByTable = new Map<string, number>()
  readonly tables: EditionTables
  readonly pinnedAt: string | undefined

  constructor(options: { readonly tables?: EditionTables; readonly pinnedAt?: string } = {}) {
    this.tables = options.tables ?? NationalEditions
    this.pinnedAt = options.pinnedAt
  }

  /** The edition of `table` in force at `at` (an ISO instant), if any. */
  editionAt<T extends TableName>(table: T, at: string): Edition<T> | undefined {
    const when = Date.parse(this.pinnedAt ?? at)
    if (!Number.isFinite(when)) return undefined
    return (this.tables[table] as ReadonlyArray<Edition<T>>).find((e) =>
      Date.parse(e.validFrom) <= when && (e.validTo === undefined || when < Date.parse(e.validTo))
    )
  }

  /** The national coding of `concept` at `at`, or undefined (counted) when that edition has none. */
  coding<T extends TableName>(table: T, concept: Concepts[T], at: string): VersionedCoding | undefined {
    const edition = this.editionAt(table, at)
    const entry = edition?.codes[concept] as readonly [string, string] | undefined
    if (edition === undefined || entry === undefined) {
      this.missingByTable.set(table, (this.missingByTable.get(table) ?? 0) + 1)
      return undefined
    }
    const key = `${edition.system}|${edition.edition}`
    const seen = this.used.get(key)
    if (seen === undefined) this.used.set(key, { edition, codings: 1 })
    else seen.codings++
    return { system: edition.system, version: edition.version, code: entry[0], display: entry[1] }
  }

  /** The editions used, in table then date order, and the concepts left without a national code. */
  report(): { readonly used: ReadonlyArray<CodeTableUse>; readonly withoutNationalCode: Readonly<Record<string, number>> } {
    const used = [...this.used.values()]
      .sort((a, b) => a.edition.system.localeCompare(b.edition.system) || a.edition.validFrom.localeCompare(b.edition.validFrom))
      .map(({ edition, codings }) => ({ system: edition.system, version: edition.version, edition: edition.edition, source: edition.source, codings }))
    return { used, withoutNationalCode: Object.fromEntries(this.missingByTable) }
  }
}
