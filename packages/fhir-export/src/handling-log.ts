import { type Actor, ActiveStatuses, HandlingCodeByStatus, type IncidentEvent } from "@wt/contracts"
import { timelineEntries } from "@wt/read-models"
import { alarmTypeOf } from "@wt/incident"
import { flagId } from "./alert-flag.ts"
import { CodeSystems, Extensions, IdentifierSystems } from "./code-systems.ts"
import { actorRef, centreRef, coding, fhirId, fhirInstant, fullUrlOf, narrative, patientRef, requiredString } from "./fhir-values.ts"
import type { HistoryStep, IncidentHistory } from "./incident-history.ts"
import { HandlingStates } from "./national-codes.ts"

export const handlingLogId = (incidentId: string) => fhirId(`handling-log-${incidentId}`)

const triage: Actor = { kind: "service", id: "triage" }

/** One line of the handling log before it becomes a section. */
interface LogLine {
  readonly at: string
  readonly actor: Actor
  /** National handling-log state, where the line is one. */
  readonly state: number | undefined
  readonly kind: string
  readonly text: ReadonlyArray<string>
  readonly alert?: boolean
}

const name = (a: Actor) => a.name ?? a.id

/**
 * The national handling-log lines of one incident event. States follow the incident's
 * status (`HandlingCodeByStatus`): 0 reported, 1 being handled, 8 conversation,
 * 4/5 call-out, 9 measure taken, 3 acknowledged, 10 other actor; a note keeps the code
 * its author chose; a resolution also logs its cause (6) and action (7). Events that do
 * not change how the incident is handled (another alarm joining, escalation) are kept
 * with our own entry kind only, so the log stays complete.
 */
const linesOf = (step: HistoryStep): ReadonlyArray<LogLine> => {
  const event: IncidentEvent = step.event
  const base = { at: event.at, kind: event.type }
  switch (event.type) {
    case "incident_opened":
      return [{
        ...base,
        actor: triage,
        state: HandlingCodeByStatus.open,
        text: [`${event.priority} ${alarmTypeOf(event.deviceEvent)} from ${event.deviceEvent.deviceId}`, `${event.decision.ruleId} (${event.decision.ruleSetVersion}): ${event.decision.reason}`],
        alert: true
      }]
    case "device_event_correlated":
      return [{ ...base, actor: triage, state: undefined, text: [`${event.decision.priority} ${alarmTypeOf(event.deviceEvent)} from ${event.deviceEvent.deviceId} joined the incident`, event.decision.reason] }]
    case "priority_raised":
      return [{ ...base, actor: triage, state: undefined, text: [`priority raised ${event.from} → ${event.to}`, event.reason] }]
    case "incident_claimed":
      return [{ ...base, actor: event.by, state: HandlingCodeByStatus.claimed, text: [`claimed by ${name(event.by)}`] }]
    case "note_added":
      return [{ ...base, actor: event.by, state: event.handlingCode in HandlingStates ? event.handlingCode : undefined, text: [event.text] }]
    case "contact_recorded":
      return [{ ...base, actor: event.by, state: HandlingCodeByStatus.in_contact, text: [`conversation with ${event.party}`] }]
    case "incident_resolved":
      return [
        ...(event.cause === undefined ? [] : [{ ...base, actor: event.by, state: 6, text: [event.cause] }]),
        ...(event.action === undefined ? [] : [{ ...base, actor: event.by, state: 7, text: [event.action] }]),
        { ...base, actor: event.by, state: HandlingCodeByStatus.resolved, text: [`resolved by ${name(event.by)}`, ...(event.note === undefined ? [] : [event.note])] }
      ]
    case "incident_cancelled":
      return [{ ...base, actor: event.by, state: HandlingCodeByStatus.cancelled, text: [`cancelled by ${name(event.by)}`, event.reason] }]
    case "incident_closed":
      return [{
        ...base,
        actor: event.by,
        state: HandlingCodeByStatus.closed,
        text: [`closed by ${name(event.by)}${event.confirms === undefined ? "" : `, confirming ${name(event.confirms)}'s resolution`}`]
      }]
    case "incident_merged":
      return [{ ...base, actor: event.by, state: HandlingCodeByStatus.merged, text: [`merged into incident ${event.into}`] }]
    case "incident_marked_repeated":
      return [{ ...base, actor: triage, state: undefined, text: [`repeated: ${event.alarmsInWindow} care alarms within ${event.windowHours} h; at least ${event.atLeast}; closing needs a second person`] }]
    case "incident_escalated":
      return [{ ...base, actor: triage, state: undefined, text: [`escalated to level ${event.level}: ${event.reason}`] }]
    case "storm_updated":
      return [{ ...base, actor: triage, state: undefined, text: [`storm: ${event.lost.length} devices lost supervision, ${event.restored.length} came back`] }]
    default:
      // The call-out, the agencies and the next-of-kin cascade: the console's timeline already
      // gives each its national code (4 sent to call-out, 5 call-out done, 10 other actor, 8
      // conversation) and says what happened; the journal gets the same lines.
      return timelineEntries(event).map((e) => ({ at: e.at, kind: e.kind, actor: e.actor, state: e.handlingCode, text: [e.summary] }))
  }
}

/**
 * The handling log of an incident as a Composition about the resident: one section per
 * log line, in order, coded with the national handling-log state (and our entry kind),
 * with who and when; the line that reported the alert points to its Flag. Final once
 * the incident is no longer being handled. Undefined when no entry names the resident.
 */
export const handlingLogOf = (history: IncidentHistory, fallbackTime: string) => {
  if (history.residentId === undefined) return undefined
  const lines = history.steps.flatMap(linesOf)
  const hasFlag = history.steps.some((s) => s.event.type === "incident_opened")
  const times = lines.map((l) => fhirInstant(l.at)).filter((t): t is string => t !== undefined).sort()
  const ended = history.state !== undefined && !ActiveStatuses.includes(history.state.status)
  return {
    resourceType: "Composition" as const,
    id: handlingLogId(history.incidentId),
    identifier: { system: IdentifierSystems.incident, value: requiredString(history.incidentId, "unknown") },
    status: ended ? ("final" as const) : ("preliminary" as const),
    type: { coding: [coding(CodeSystems.documentType, "handling-log", "Handling log")], text: "Handling log (hendelseslogg)" },
    subject: patientRef(history.residentId),
    date: times.at(-1) ?? fallbackTime,
    author: [centreRef(history.tenant)],
    title: requiredString(`Handling log of incident ${history.incidentId}`, "Handling log"),
    section: lines.map((line, i) => {
      const at = fhirInstant(line.at)
      const label = line.state === undefined ? line.kind : `${line.state} ${HandlingStates[line.state]}`
      return {
        ...(at === undefined ? {} : { extension: [{ url: Extensions.entryTime, valueDateTime: at }] }),
        title: requiredString(`${i + 1}. ${at ?? line.at} ${label}`, `${i + 1}`),
        code: {
          coding: [
            ...(line.state === undefined ? [] : [coding(CodeSystems.handlingState, String(line.state), HandlingStates[line.state])]),
            coding(CodeSystems.timelineEntry, line.kind, line.kind)
          ]
        },
        author: [actorRef(line.actor)],
        text: narrative(...line.text),
        ...(line.alert === true && hasFlag ? { entry: [{ reference: fullUrlOf("Flag", flagId(history.incidentId)), type: "Flag" }] } : {})
      }
    })
  }
}

export type FhirComposition = NonNullable<ReturnType<typeof handlingLogOf>>
