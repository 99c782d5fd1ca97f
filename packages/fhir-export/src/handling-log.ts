import { type Actor, ActiveStatuses, HandlingCodeByStatus, type IncidentEvent } from "@wt/contracts"
import { timelineEntries } from "@wt/read-models"
import { alarmTypeOf } from "@wt/incident"
import { flagId } from "./alert-flag.ts"
import { Hl7CodeSystems, VkpProfiles } from "./code-systems.ts"
import { conversationId, isConversationWithResident } from "./conversation-encounter.ts"
import type { ExportContext } from "./export-context.ts"
import { coding, fhirId, fhirInstant, fullUrlOf, identifier, narrative, requiredString } from "./fhir-values.ts"
import type { HistoryStep, IncidentHistory } from "./incident-history.ts"
import { handlingConceptOf, HandlingStates } from "./national-codes.ts"

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
  /** Written by a person (a note, a cause or action given on resolving), not composed by us. */
  readonly written?: boolean
  /** The Encounter of a conversation with the resident this line records. */
  readonly encounter?: string
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
      return [{ ...base, actor: event.by, state: event.handlingCode in HandlingStates ? event.handlingCode : undefined, text: [event.text], written: true }]
    case "contact_recorded":
      return [{ ...base, actor: event.by, state: HandlingCodeByStatus.in_contact, text: [`conversation with ${event.party}`] }]
    case "incident_resolved":
      return [
        ...(event.cause === undefined ? [] : [{ ...base, actor: event.by, state: 6, text: [event.cause], written: true }]),
        ...(event.action === undefined ? [] : [{ ...base, actor: event.by, state: 7, text: [event.action], written: true }]),
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

/** The LOINC document type of a handling log: a note (LOINC's document ontology), as VKP's examples code journal notes with LOINC. */
const noteType = coding(Hl7CodeSystems.loinc, "34109-9", "Note")

/**
 * The handling log of an incident as a Composition about the resident (vkp-Composition):
 * category "Trygghet og mestring", one `event` per line that is a national handling-log
 * state (vkp-composition-event, in the edition in force at the line's time, with the
 * line's time as its period), and one section per line, in order, typed as VKP's section
 * codes type them (a person's note, or text composed by the system) with our own entry
 * kind, who and when; the line that reported the alert points to its Flag, a conversation
 * with the resident to its Encounter. Final once the incident is no longer being handled.
 * Undefined when no entry names the resident.
 */
export const handlingLogOf = (ctx: ExportContext, history: IncidentHistory) => {
  if (history.residentId === undefined) return undefined
  let conversations = 0
  const lines = history.steps.flatMap((step) => {
    const encounter = isConversationWithResident(step.event) ? conversationId(history.incidentId, conversations++) : undefined
    return linesOf(step).map((line) => (encounter === undefined ? line : { ...line, encounter }))
  })
  const hasFlag = history.steps.some((s) => s.event.type === "incident_opened")
  const times = lines.map((l) => fhirInstant(l.at)).filter((t): t is string => t !== undefined).sort()
  const first = times[0] ?? ctx.fallbackTime
  const ended = history.state !== undefined && !ActiveStatuses.includes(history.state.status)
  const ext = ctx.terms.extensions
  const category = ctx.national("compositionCategory", "safety_and_coping", first)
  const municipality = ctx.municipality(history.tenant)
  const events = lines.flatMap((line) => {
    const at = fhirInstant(line.at)
    const concept = line.state === undefined ? undefined : handlingConceptOf(line.state)
    const state = concept === undefined || at === undefined ? undefined : ctx.national("compositionEvent", concept, at)
    return state === undefined || at === undefined ? [] : [{ code: [{ coding: [state] }], period: { start: at } }]
  })
  return {
    resourceType: "Composition" as const,
    id: handlingLogId(history.incidentId),
    // The profile asks for a category (1..1, required binding): without the edition that defines it, no claim.
    ...(category === undefined ? {} : { meta: { profile: [VkpProfiles.composition] } }),
    identifier: identifier(ctx.terms.identifiers.incident, history.incidentId),
    status: ended ? ("final" as const) : ("preliminary" as const),
    type: { coding: [noteType], text: "Handling log (hendelseslogg)" },
    ...(category === undefined ? {} : { category: [{ coding: [category] }] }),
    subject: ctx.patient(history.tenant, history.residentId),
    date: times.at(-1) ?? ctx.fallbackTime,
    author: [ctx.centreOrganisation()],
    title: requiredString(`Handling log of incident ${history.incidentId}`, "Handling log"),
    ...(municipality === undefined ? {} : { custodian: municipality }),
    ...(events.length === 0 ? {} : { event: events }),
    section: lines.map((line, i) => {
      const at = fhirInstant(line.at)
      const label = line.state === undefined ? line.kind : `${line.state} ${HandlingStates[line.state]}`
      const section = at === undefined ? undefined : ctx.national("compositionSection", line.written === true ? "note" : "compiled_text", at)
      const entries = [
        ...(line.alert === true && hasFlag ? [{ reference: fullUrlOf("Flag", flagId(history.incidentId)), type: "Flag" }] : []),
        ...(line.encounter === undefined ? [] : [{ reference: fullUrlOf("Encounter", line.encounter), type: "Encounter" }])
      ]
      return {
        extension: [
          ...(at === undefined ? [] : [{ url: ext.handlingTime, valueDateTime: at }]),
          { url: ext.handlingEntry, valueCoding: ctx.ownCoding("handlingEntry", line.kind, line.kind) }
        ],
        title: requiredString(`${i + 1}. ${at ?? line.at} ${label}`, `${i + 1}`),
        ...(section === undefined ? {} : { code: { coding: [section] } }),
        author: [ctx.actor(line.actor)],
        text: narrative(...line.text),
        ...(entries.length === 0 ? {} : { entry: entries })
      }
    })
  }
}

export type FhirComposition = NonNullable<ReturnType<typeof handlingLogOf>>
