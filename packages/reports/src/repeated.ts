import type { Actor, IncidentStatus, Priority } from "@wt/contracts"
import { type IncidentHistory, receivedAtMs, timelineLinks } from "./history.ts"

/** An incident marked repeated, and whether a second person confirmed its closing. */
export interface RepeatedRow {
  readonly incidentId: string
  readonly tenant: string
  readonly residentId: string
  readonly markedAt: string
  readonly alarmsInWindow: number | null
  readonly windowHours: number | null
  readonly priority: Priority
  readonly status: IncidentStatus
  readonly resolvedBy: string | null
  readonly closedBy: string | null
  /** `confirmed`: closed by someone other than the resolver; `pending`: not closed yet; `missing`: closed by the resolver. */
  readonly secondPerson: "confirmed" | "pending" | "missing"
  readonly timelineUrl: string
  readonly timelineCommand: string
}

const name = (a: Actor | undefined) => (a === undefined ? null : a.name === undefined ? `${a.kind}:${a.id}` : `${a.kind}:${a.id} (${a.name})`)

/** Incidents received in [fromMs, toMs) that were marked repeated (three care alarms within the window). */
export const repeatedReport = (
  histories: ReadonlyArray<IncidentHistory>,
  options: { readonly fromMs: number; readonly toMs: number }
): ReadonlyArray<RepeatedRow> =>
  histories.flatMap((h): ReadonlyArray<RepeatedRow> => {
    const received = receivedAtMs(h)
    if (received === undefined || received < options.fromMs || received >= options.toMs) return []
    const marked = h.steps.find((s) => s.eventType === "incident_marked_repeated")
    if (marked === undefined) return []
    const resolved = h.steps.findLast((s) => s.eventType === "incident_resolved" || s.eventType === "incident_cancelled")
    const closed = h.steps.find((s) => s.eventType === "incident_closed")
    const last = h.steps.at(-1)!
    const number = (key: string) => (typeof marked.detail?.[key] === "number" ? marked.detail[key] : null)
    return [{
      incidentId: h.incidentId,
      tenant: h.tenant,
      residentId: h.residentId,
      markedAt: marked.at,
      alarmsInWindow: number("alarmsInWindow"),
      windowHours: number("windowHours"),
      priority: last.priority,
      status: last.status,
      resolvedBy: name(resolved?.actor),
      closedBy: name(closed?.actor),
      secondPerson: closed === undefined
        ? "pending"
        : closed.actor !== undefined && resolved?.actor !== undefined && closed.actor.id !== resolved.actor.id
        ? "confirmed"
        : "missing",
      ...timelineLinks(h.incidentId)
    }]
  }).sort((a, b) => a.markedAt.localeCompare(b.markedAt))
