import { IncidentEvent, MedicationEventKind, Priority, SafetyAlarmTrigger, SensorKind, TechnicalEventKind } from "@wt/contracts"
import { createHash } from "node:crypto"
import type { OwnTerms } from "./code-systems.ts"
import { fhirId } from "./fhir-values.ts"

interface OwnSystem {
  readonly key: keyof OwnTerms["codeSystems"]
  readonly name: string
  readonly title: string
  readonly description: string
  readonly codes: ReadonlyArray<string>
}

/** Every code of our own systems, from the contracts that define them, so a new kind is published the day it exists. */
const systems = (): ReadonlyArray<OwnSystem> => [
  {
    key: "alarmType",
    name: "WtAlarmType",
    title: "Alarm types of the response centre",
    description: "The kind of device event that raised an alert, finer than the national alert codes (device type and trigger, sensor, event); shown beside the national code.",
    codes: [
      ...SafetyAlarmTrigger.literals.map((t) => `safety_alarm:${t}`),
      ...SensorKind.literals.map((s) => `sensor:${s}`),
      "gps:sos",
      "gps:position",
      ...MedicationEventKind.literals.map((e) => `medication:${e}`),
      ...TechnicalEventKind.literals.map((e) => `technical:${e}`)
    ]
  },
  {
    key: "handlingEntry",
    name: "WtHandlingLogEntry",
    title: "Handling-log entry kinds of the response centre",
    description: "What each line of an incident's handling log records (claimed, note, call-out offered …); the national handling-log states name fewer, and are given beside these where one applies.",
    codes: IncidentEvent.members.map((m) => m.fields.type.literal)
  },
  {
    key: "priority",
    name: "WtTriagePriority",
    title: "Triage priorities of the response centre",
    description: "P1 (most urgent) to P4; the national severity level and triage colour are given beside them.",
    codes: Priority.literals
  }
]

/**
 * Our own code systems as CodeSystem resources, for the export to publish: each complete,
 * under our configurable base, versioned by a digest of its codes so a change of the
 * list changes the version.
 */
export const ownCodeSystems = (terms: OwnTerms) =>
  systems().map((s) => {
    const url = terms.codeSystems[s.key]
    return {
      resourceType: "CodeSystem" as const,
      id: fhirId(`wt-${s.key}`),
      url,
      version: createHash("sha256").update(s.codes.join("\n")).digest("hex").slice(0, 12),
      name: s.name,
      title: s.title,
      status: "active" as const,
      experimental: false,
      description: s.description,
      caseSensitive: true,
      content: "complete" as const,
      count: s.codes.length,
      concept: s.codes.map((code) => ({ code, display: code }))
    }
  })

export type FhirCodeSystem = ReturnType<typeof ownCodeSystems>[number]
