import type { Actor, IncidentCategory, IncidentRecord, IncidentStatus, Owner, Priority } from "@wt/contracts"
import { ActiveStatuses } from "@wt/contracts"
import { alarmTypeOf } from "@wt/incident"
import { transitionDetail } from "@wt/read-models"

/** One stored incident record as reports see it: the event's kind and time, and the state after it. */
export interface IncidentStep {
  readonly version: number
  readonly at: string
  readonly eventType: string
  readonly status: IncidentStatus
  readonly priority: Priority
  readonly category: IncidentCategory
  readonly owner: Owner
  /** Who did it, when the event names a person or party. */
  readonly actor?: Actor
  /** When the centre received the device event this record carries (opened, correlated). */
  readonly receivedAt?: string
  readonly alarmType?: string
  readonly detail?: Readonly<Record<string, unknown>>
}

/** An incident's records in version order. */
export interface IncidentHistory {
  readonly incidentId: string
  readonly tenant: string
  readonly residentId: string
  readonly steps: ReadonlyArray<IncidentStep>
}

/** The step of one record, as the projector's `incident_transitions` row holds it. */
export const stepOf = (record: IncidentRecord): IncidentStep => {
  const { event, state } = record
  const device = "deviceEvent" in event ? event.deviceEvent : undefined
  const detail = transitionDetail(event)
  return {
    version: state.version,
    at: event.at,
    eventType: event.type,
    status: state.status,
    priority: state.priority,
    category: state.category,
    owner: state.owner,
    ...("by" in event ? { actor: event.by } : {}),
    ...(device === undefined ? {} : { receivedAt: device.receivedAt ?? device.occurredAt, alarmType: alarmTypeOf(device) }),
    ...(detail === null ? {} : { detail })
  }
}

/** Groups records (in any order) into histories, each in version order; a redelivered version counts once. */
export const historiesFromRecords = (records: Iterable<IncidentRecord>): ReadonlyArray<IncidentHistory> => {
  const byIncident = new Map<string, { incidentId: string; tenant: string; residentId: string; steps: Map<number, IncidentStep> }>()
  for (const record of records) {
    const s = record.state
    let h = byIncident.get(s.incidentId)
    if (h === undefined) {
      h = { incidentId: s.incidentId, tenant: s.tenant, residentId: s.residentId, steps: new Map() }
      byIncident.set(s.incidentId, h)
    }
    h.steps.set(s.version, stepOf(record))
  }
  return [...byIncident.values()].map((h) => ({
    incidentId: h.incidentId,
    tenant: h.tenant,
    residentId: h.residentId,
    steps: [...h.steps.values()].sort((a, b) => a.version - b.version)
  }))
}

const active = new Set<IncidentStatus>(ActiveStatuses)
export const isActiveStatus = (status: IncidentStatus): boolean => active.has(status)

/** When the centre received the alarm that opened the incident; undefined when the opening record is missing. */
export const receivedAtMs = (h: IncidentHistory): number | undefined => {
  const first = h.steps[0]
  if (first === undefined || first.version !== 1) return undefined
  return Date.parse(first.receivedAt ?? first.at)
}

/** People, as opposed to the engine, a device or a service. */
export const isPerson = (actor: Actor | undefined): boolean =>
  actor !== undefined && (actor.kind === "operator" || actor.kind === "supervisor" || actor.kind === "admin")

/** A call-out: the incident was handed to responders. */
export const CallOutStatuses: ReadonlySet<IncidentStatus> = new Set(["dispatching", "responder_assigned", "en_route", "on_site"])

/** The two links every incident row carries: the supervisor page and the CLI command. */
export const timelineLinks = (incidentId: string) => ({
  timelineUrl: `/#/timeline/${encodeURIComponent(incidentId)}`,
  timelineCommand: `pnpm wt timeline ${incidentId}`
})
