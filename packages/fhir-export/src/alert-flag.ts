import { ActiveStatuses } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"
import { Hl7CodeSystems, Hl7Extensions, VkpExtensions, VkpProfiles } from "./code-systems.ts"
import type { ExportContext } from "./export-context.ts"
import { coding, fhirId, fhirInstant, fhirString, fullUrlOf, identifier, narrative, requiredString } from "./fhir-values.ts"
import type { IncidentHistory } from "./incident-history.ts"
import { alertConceptOf, colourOf, flagPriorityOf, issueSeverityOf, severityOf } from "./national-codes.ts"

export const flagId = (incidentId: string) => fhirId(`alert-${incidentId}`)
export const detectedIssueId = (incidentId: string) => fhirId(`alert-code-${incidentId}`)

const categoryOf = (category: string) => {
  switch (category) {
    case "medication":
      return coding(Hl7CodeSystems.flagCategory, "drug", "Drug")
    case "technical":
      return coding(Hl7CodeSystems.flagCategory, "admin", "Administrative")
    default:
      return coding(Hl7CodeSystems.flagCategory, "safety", "Safety")
  }
}

const openingOf = (history: IncidentHistory) => {
  const opened = history.steps.find((s) => s.event.type === "incident_opened")?.event
  return opened !== undefined && opened.type === "incident_opened" ? opened : undefined
}

/**
 * The device event that heads the incident (its most urgent, see IncidentState.headline) with the
 * decision it was stored with: a pendant alarm that joined a low-battery incident, not the battery.
 * The opening's when the headline's event is not among the entries exported.
 */
const headlineOf = (history: IncidentHistory, opened: NonNullable<ReturnType<typeof openingOf>>) => {
  const h = history.state?.headline
  const step = h === undefined ? undefined : history.steps.find(({ event }) =>
    (event.type === "incident_opened" || event.type === "device_event_correlated") &&
    event.deviceEvent.id === h.eventId && event.deviceEvent.deviceId === h.deviceId && event.at === h.at)
  const event = step?.event
  return event !== undefined && (event.type === "incident_opened" || event.type === "device_event_correlated")
    ? { deviceEvent: event.deviceEvent, decision: event.decision, at: event.at }
    : { deviceEvent: opened.deviceEvent, decision: opened.decision, at: opened.at }
}

/**
 * The coded alert, as VKP-R4 codes one: a DetectedIssue (vkp-DetectedIssue) whose code is
 * the national alert code of the device event that heads the incident (its most urgent), in
 * the edition in force when that event joined it. Undefined when the national list has no code
 * for the event (technical faults), or the incident's opening is not in the export.
 */
export const alertIssueOf = (ctx: ExportContext, history: IncidentHistory) => {
  const opened = openingOf(history)
  if (opened === undefined) return undefined
  const headline = headlineOf(history, opened)
  const concept = alertConceptOf(headline.deviceEvent)
  const at = fhirInstant(headline.at) ?? ctx.fallbackTime
  const national = concept === undefined ? undefined : ctx.national("alertCode", concept, at)
  if (national === undefined) return undefined
  const reason = fhirString(headline.decision.reason)
  return {
    resourceType: "DetectedIssue" as const,
    id: detectedIssueId(history.incidentId),
    meta: { profile: [VkpProfiles.detectedIssue] },
    identifier: [identifier(ctx.terms.identifiers.incident, history.incidentId)],
    status: "final" as const,
    code: { coding: [national], text: requiredString(`${national.code} ${national.display ?? ""}`, national.code) },
    severity: issueSeverityOf(history.state?.priority ?? opened.priority),
    patient: ctx.patient(history.tenant, opened.residentId),
    identifiedDateTime: at,
    author: ctx.device(headline.deviceEvent.deviceId),
    ...(reason === undefined ? {} : { detail: reason })
  }
}

/**
 * The alert of an incident as a Flag on the resident (vkp-Flag): the text an operator
 * reads in `code.text` (the headline's: its most urgent device event), the national severity level of the incident's priority now
 * (VKP's severity-level extension), a link to the coded alert (HL7's flag-detail), the
 * national triage colour, the rule that decided it, and whether it is still being
 * handled. Undefined when the incident's opening is not in the export.
 */
export const alertFlagOf = (ctx: ExportContext, history: IncidentHistory, issue: { readonly id: string; readonly code: { readonly text: string } } | undefined) => {
  const opened = openingOf(history)
  if (opened === undefined) return undefined
  const state = history.state
  const priority = state?.priority ?? opened.priority
  const headline = headlineOf(history, opened)
  const alarmType = alarmTypeOf(headline.deviceEvent)
  const active = state === undefined || ActiveStatuses.includes(state.status)
  const start = fhirInstant(opened.at) ?? fhirInstant(opened.deviceEvent.occurredAt) ?? ctx.fallbackTime
  const end = active ? undefined : fhirInstant(state?.endedAt ?? state?.lastEventAt)
  const reason = fhirString(headline.decision.reason)
  const severity = ctx.national("severityLevel", severityOf(priority), start)
  const colour = ctx.national("triage", colourOf(priority), start)
  const flagPriority = flagPriorityOf(priority)
  const ext = ctx.terms.extensions
  const label = issue === undefined ? alarmType : issue.code.text
  return {
    resourceType: "Flag" as const,
    id: flagId(history.incidentId),
    // VKP's Flag requires the national severity level; an alert from before the level's first
    // edition (2021-09-02) has none, and then the Flag does not claim the profile it cannot meet.
    ...(severity === undefined ? {} : { meta: { profile: [VkpProfiles.flag] } }),
    text: narrative(`${priority} ${label}`, ...(reason === undefined ? [] : [reason])),
    extension: [
      // VKP's profile fixes this coding's system to the value set's URL, which its own required
      // binding then cannot match; the code system's canonical URL is used (docs/fhir-export.md).
      ...(severity === undefined ? [] : [{ url: VkpExtensions.severityLevel, valueCodeableConcept: { coding: [severity] } }]),
      ...(issue === undefined ? [] : [{ url: Hl7Extensions.flagDetail, valueReference: { reference: fullUrlOf("DetectedIssue", issue.id), type: "DetectedIssue" } }]),
      ...(colour === undefined ? [] : [{ url: ext.triageColour, valueCoding: colour }]),
      { url: ext.priority, valueCoding: ctx.ownCoding("priority", priority, priority) },
      { url: Hl7Extensions.flagPriority, valueCodeableConcept: { coding: [coding(Hl7CodeSystems.flagPriority, flagPriority.code, flagPriority.display)] } },
      { url: ext.alarmType, valueCoding: ctx.ownCoding("alarmType", alarmType, alarmType) },
      { url: ext.triageRule, valueString: requiredString(`${headline.decision.ruleId} (${headline.decision.ruleSetVersion})`, "unknown") },
      { url: ext.fireService, valueBoolean: state?.fireService ?? opened.decision.fireService }
    ],
    identifier: [identifier(ctx.terms.identifiers.incident, history.incidentId)],
    status: active ? ("active" as const) : ("inactive" as const),
    category: [{ coding: [categoryOf(headline.decision.category)] }],
    // VKP: the text shown to the user; the coded alert is the DetectedIssue this Flag points to.
    code: { text: requiredString(`${priority} ${label}`, "alert") },
    subject: ctx.patient(history.tenant, opened.residentId),
    period: { start, ...(end === undefined || end < start ? {} : { end }) },
    author: ctx.device(headline.deviceEvent.deviceId)
  }
}

export type FhirFlag = NonNullable<ReturnType<typeof alertFlagOf>>
export type FhirDetectedIssue = NonNullable<ReturnType<typeof alertIssueOf>>
