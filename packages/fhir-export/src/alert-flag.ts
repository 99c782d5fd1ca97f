import { ActiveStatuses } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"
import { CodeSystems, Extensions, IdentifierSystems } from "./code-systems.ts"
import { alarmTypeCoding, coding, deviceRef, fhirId, fhirInstant, fhirString, narrative, patientRef, requiredString } from "./fhir-values.ts"
import type { IncidentHistory } from "./incident-history.ts"
import { alertCodeOf, colourOf, flagPriorityOf, severityOf } from "./national-codes.ts"

export const flagId = (incidentId: string) => fhirId(`alert-${incidentId}`)

const categoryOf = (category: string) => {
  switch (category) {
    case "medication":
      return coding(CodeSystems.flagCategory, "drug", "Drug")
    case "technical":
      return coding(CodeSystems.flagCategory, "admin", "Administrative")
    default:
      return coding(CodeSystems.flagCategory, "safety", "Safety")
  }
}

/**
 * The alert of an incident as a Flag on the resident: the national alert code of the
 * device event that raised it (with our alarm type beside it), severity and triage
 * colour of the incident's priority now, the rule that decided it, and whether it is
 * still being handled. Undefined when the incident's opening is not in the export.
 */
export const alertFlagOf = (history: IncidentHistory, fallbackTime: string) => {
  const opened = history.steps.find((s) => s.event.type === "incident_opened")?.event
  if (opened === undefined || opened.type !== "incident_opened") return undefined
  const state = history.state
  const priority = state?.priority ?? opened.priority
  const national = alertCodeOf(opened.deviceEvent)
  const alarmType = alarmTypeOf(opened.deviceEvent)
  const severity = severityOf(priority)
  const flagPriority = flagPriorityOf(priority)
  const active = state === undefined || ActiveStatuses.includes(state.status)
  const start = fhirInstant(opened.at) ?? fhirInstant(opened.deviceEvent.occurredAt) ?? fallbackTime
  const end = active ? undefined : fhirInstant(state?.endedAt ?? state?.lastEventAt)
  const reason = fhirString(opened.decision.reason)
  return {
    resourceType: "Flag" as const,
    id: flagId(history.incidentId),
    text: narrative(`${priority} ${alarmType}${national === undefined ? "" : ` (${national.code} ${national.display})`}`, ...(reason === undefined ? [] : [reason])),
    extension: [
      { url: Extensions.severity, valueCoding: coding(CodeSystems.severity, severity.code, severity.display) },
      { url: Extensions.triageColour, valueCoding: coding(CodeSystems.triageColour, colourOf(priority), colourOf(priority)) },
      { url: Extensions.priority, valueCoding: coding(CodeSystems.priority, priority, priority) },
      { url: Extensions.flagPriority, valueCodeableConcept: { coding: [coding(CodeSystems.flagPriority, flagPriority.code, flagPriority.display)] } },
      { url: Extensions.triageRule, valueString: requiredString(`${opened.decision.ruleId} (${opened.decision.ruleSetVersion})`, "unknown") },
      { url: Extensions.fireService, valueBoolean: opened.decision.fireService }
    ],
    identifier: [{ system: IdentifierSystems.incident, value: requiredString(history.incidentId, "unknown") }],
    status: active ? ("active" as const) : ("inactive" as const),
    category: [{ coding: [categoryOf(opened.category)] }],
    code: {
      coding: [
        ...(national === undefined ? [] : [coding(CodeSystems.alertCode, national.code, national.display)]),
        alarmTypeCoding(alarmType)
      ],
      text: requiredString(national === undefined ? alarmType : `${national.code} ${national.display}`, "alert")
    },
    subject: patientRef(opened.residentId),
    period: { start, ...(end === undefined || end < start ? {} : { end }) },
    author: deviceRef(opened.deviceEvent.deviceId)
  }
}

export type FhirFlag = NonNullable<ReturnType<typeof alertFlagOf>>
