import { type AuditEntry, IncidentEvent, type IncidentState } from "@wt/contracts"
import { evolve } from "@wt/incident"
import { Result, Schema } from "effect"

/** One incident event as the audit trail recorded it, with the incident's state after it. */
export interface HistoryStep {
  readonly event: IncidentEvent
  /** Undefined while the incident's opening is not among the entries exported. */
  readonly stateAfter: IncidentState | undefined
  readonly statusChanged: boolean
}

/** An incident's events as found in the audit trail, in trail order. */
export interface IncidentHistory {
  readonly incidentId: string
  readonly tenant: string
  readonly residentId: string | undefined
  readonly steps: ReadonlyArray<HistoryStep>
  readonly state: IncidentState | undefined
}

const decodeEvent = Schema.decodeUnknownResult(IncidentEvent)

/**
 * Gathers incident events from `incident_event` audit entries, one history per
 * incident, replaying each with the incident decider's `evolve` so every step knows
 * the status it led to. Entries whose data is not an incident event are counted, not
 * dropped silently.
 */
export class IncidentHistories {
  private readonly byId = new Map<string, { tenant: string; residentId: string | undefined; steps: Array<HistoryStep>; state: IncidentState | undefined }>()
  unreadable = 0

  add(entry: AuditEntry): void {
    if (entry.kind !== "incident_event") return
    const decoded = decodeEvent(entry.data)
    if (Result.isFailure(decoded)) {
      this.unreadable++
      return
    }
    const event = decoded.success
    let history = this.byId.get(event.incidentId)
    if (history === undefined) {
      history = { tenant: event.tenant, residentId: entry.subject.residentId, steps: [], state: undefined }
      this.byId.set(event.incidentId, history)
    }
    history.residentId ??= entry.subject.residentId
    const before = history.state
    let after: IncidentState | undefined
    try {
      after = before === undefined && event.type !== "incident_opened" ? undefined : evolve(before, event)
    } catch {
      after = undefined
    }
    if (event.type === "incident_opened") history.residentId = event.residentId
    history.steps.push({ event, stateAfter: after, statusChanged: after !== undefined && after.status !== before?.status })
    history.state = after
  }

  histories(): ReadonlyArray<IncidentHistory> {
    return [...this.byId].map(([incidentId, h]) => ({ incidentId, tenant: h.tenant, residentId: h.residentId, steps: h.steps, state: h.state }))
  }
}
