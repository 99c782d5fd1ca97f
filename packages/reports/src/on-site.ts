import type { IncidentStatus, Owner, Priority } from "@wt/contracts"
import { CallOutStatuses, type IncidentHistory, receivedAtMs, timelineLinks } from "./history.ts"
import { percentile } from "./statistics.ts"

/** One call-out: from receipt and from the call-out to the responder on site (or not yet). */
export interface OnSiteRow {
  readonly incidentId: string
  readonly tenant: string
  readonly priority: Priority
  readonly receivedAt: string
  /** The first record whose state is a call-out status (dispatching, responder assigned, en route, on site). */
  readonly calledOutAt: string
  /** The first record whose state is `on_site`; null while the responder has not arrived. */
  readonly onSiteAt: string | null
  readonly receivedToOnSiteMs: number | null
  readonly callOutToOnSiteMs: number | null
  /** Who owned the incident when the responder was on site (the team), else who owns it now. */
  readonly responder: string
  readonly status: IncidentStatus
  readonly timelineUrl: string
  readonly timelineCommand: string
}

export interface OnSiteSummaryRow {
  readonly tenant: string
  readonly priority: Priority | "all"
  readonly callOuts: number
  readonly onSite: number
  readonly medianMs: number | null
  readonly p90Ms: number | null
  readonly maxMs: number | null
}

const ownerName = (o: Owner) => `${o.kind}:${o.id}${o.name === undefined ? "" : ` (${o.name})`}`

/**
 * Time to responder on site for incidents received in [fromMs, toMs) that were called out.
 * It reads only the incident's status, so it works for any event that moves the state to
 * `on_site`, whatever the dispatch flow calls it.
 */
export const onSiteReport = (
  histories: ReadonlyArray<IncidentHistory>,
  options: { readonly fromMs: number; readonly toMs: number }
): { readonly rows: ReadonlyArray<OnSiteRow>; readonly summary: ReadonlyArray<OnSiteSummaryRow> } => {
  const rows: Array<OnSiteRow> = []
  for (const h of histories) {
    const received = receivedAtMs(h)
    if (received === undefined || received < options.fromMs || received >= options.toMs) continue
    const callOut = h.steps.find((s) => CallOutStatuses.has(s.status))
    if (callOut === undefined) continue
    const onSite = h.steps.find((s) => s.status === "on_site")
    const last = h.steps.at(-1)!
    const onSiteMs = onSite === undefined ? undefined : Date.parse(onSite.at)
    rows.push({
      incidentId: h.incidentId,
      tenant: h.tenant,
      priority: (onSite ?? last).priority,
      receivedAt: new Date(received).toISOString(),
      calledOutAt: callOut.at,
      onSiteAt: onSite?.at ?? null,
      receivedToOnSiteMs: onSiteMs === undefined ? null : onSiteMs - received,
      callOutToOnSiteMs: onSiteMs === undefined ? null : onSiteMs - Date.parse(callOut.at),
      responder: ownerName((onSite ?? last).owner),
      status: last.status,
      ...timelineLinks(h.incidentId)
    })
  }
  rows.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
  const summary: Array<OnSiteSummaryRow> = []
  for (const tenant of [...new Set(rows.map((r) => r.tenant))].sort()) {
    for (const priority of ["all", "P1", "P2", "P3", "P4"] as const) {
      const group = rows.filter((r) => r.tenant === tenant && (priority === "all" || r.priority === priority))
      if (group.length === 0) continue
      const times = group.flatMap((r) => (r.receivedToOnSiteMs === null ? [] : [r.receivedToOnSiteMs]))
      summary.push({
        tenant,
        priority,
        callOuts: group.length,
        onSite: times.length,
        medianMs: percentile(times, 0.5),
        p90Ms: percentile(times, 0.9),
        maxMs: times.length === 0 ? null : Math.max(...times)
      })
    }
  }
  return { rows, summary }
}
