import { useEffect, useState } from "preact/hooks"
import { api, type Incident, type Overview as OverviewFigures, type Timeline } from "./api.ts"
import { age, alarmLabel, isUnclaimed, num, statusLabel, who } from "./format.ts"
import { t } from "./i18n.ts"
import type { LiveQueue } from "./live-queue.ts"
import { TimelineView } from "./timeline-view.tsx"

/** The server's overview (operators signed in, flood state), read every 5 s; it also re-reads when the queue changes. */
const useServerOverview = (incidents: ReadonlyArray<Incident>) => {
  const [overview, setOverview] = useState<OverviewFigures | undefined>()
  const load = () => api.overview().then(setOverview, () => undefined)
  useEffect(() => {
    void load()
    const timer = setInterval(() => void load(), 5000)
    return () => clearInterval(timer)
  }, [])
  // A changed queue changes the flood figures: read them again, at most once a second.
  const signature = incidents.map((i) => `${i.incidentId}:${i.version}`).join()
  useEffect(() => {
    const timer = setTimeout(() => void load(), 1000)
    return () => clearTimeout(timer)
  }, [signature])
  return overview
}

/**
 * Queue length by priority and the oldest unclaimed incident, live from the queue; per tenant
 * supervised, the operators signed in and the alarm-flood state (ISA-18.2: a flood starts above
 * 10 alarms per 10 minutes per operator on duty and ends only below 5).
 */
export const Overview = ({ incidents, now }: { readonly incidents: ReadonlyArray<Incident>; readonly now: number }) => {
  const server = useServerOverview(incidents)
  const waiting = incidents.filter(isUnclaimed)
  const oldest = [...waiting].sort((a, b) => a.openedAt.localeCompare(b.openedAt))[0]
  const flooding = server?.tenants.filter((t) => t.flood.active) ?? []
  const m = t().overview
  return (
    <section class="overview" data-testid="overview">
      {(["P1", "P2", "P3", "P4"] as const).map((p) => (
        <div class={`tile ${p}`} data-priority={p} data-testid={`waiting-${p}`}>
          <span class="n">{waiting.filter((i) => i.priority === p).length}</span>
          <span class="label">{m.waiting(p)}</span>
          <small>{m.inHand(incidents.filter((i) => i.priority === p && !isUnclaimed(i)).length)}</small>
        </div>
      ))}
      <div class="tile oldest" data-testid="oldest-unclaimed">
        <span class="n">{oldest === undefined ? "—" : age(oldest.openedAt, now)}</span>
        <span class="label">{m.oldestUnclaimed}</span>
        <small>{oldest === undefined ? "" : `${oldest.priority} ${alarmLabel(oldest.alarmType)}`}</small>
      </div>
      <div class="tile staff" data-testid="operators-signed-in">
        <span class="n">{server === undefined ? "…" : new Set(server.tenants.flatMap((t) => t.operatorsSignedIn.map((o) => o.id))).size}</span>
        <span class="label">{m.operatorsSignedIn}</span>
        <small>{server?.tenants.flatMap((t) => t.operatorsSignedIn.map((o) => o.displayName)).filter((n, i, all) => all.indexOf(n) === i).join(", ")}</small>
      </div>
      <div class={`tile flood ${flooding.length > 0 ? "active" : ""}`} data-testid="flood" data-flood={flooding.length > 0 ? "active" : "normal"}>
        <span class="n">{flooding.length > 0 ? m.flood : m.normal}</span>
        <span class="label">{m.floodLabel}</span>
        <small>
          {server?.tenants.map((t) =>
            `${m.floodLine(t.tenant, t.flood.alarmsLast10Min, t.flood.operatorsOnDuty, num(t.flood.rate, 1))}${t.flood.active ? m.floodUntil(t.flood.endsBelow) : ""}`
          ).join(" · ")}
        </small>
      </div>
      {server !== undefined && server.tenants.length > 1
        ? (
          <table class="per-tenant" data-testid="per-tenant">
            <thead><tr><th>{m.tenantHeaders.tenant}</th><th>P1</th><th>P2</th><th>P3</th><th>P4</th><th>{m.tenantHeaders.inHand}</th><th>{m.tenantHeaders.oldest}</th><th>{m.tenantHeaders.operators}</th><th>{m.tenantHeaders.flood}</th></tr></thead>
            <tbody>
              {server.tenants.map((t) => (
                <tr data-tenant={t.tenant}>
                  <td>{t.tenant}</td><td>{t.waiting.P1}</td><td>{t.waiting.P2}</td><td>{t.waiting.P3}</td><td>{t.waiting.P4}</td><td>{t.inHand}</td>
                  <td>{t.oldestUnclaimed === undefined ? "—" : `${age(t.oldestUnclaimed.openedAt, now)} (${t.oldestUnclaimed.priority})`}</td>
                  <td>{t.operatorsSignedIn.length}</td><td>{t.flood.active ? m.flood : m.normal}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : null}
    </section>
  )
}

/** A supervisor's view of one incident: the full timeline with names, times and ownership. */
export const TimelinePage = ({ incidentId, queue }: { readonly incidentId: string; readonly queue: LiveQueue }) => {
  const [timeline, setTimeline] = useState<Timeline | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    const load = () => api.timeline(incidentId).then(setTimeline, (e: unknown) => setError(e instanceof Error ? e.message : String(e)))
    void load()
    return queue.onEvent((news) => {
      if (news.state.incidentId === incidentId) setTimeout(() => void load(), 300)
    })
  }, [incidentId])
  const m = t().timeline
  if (error !== undefined) return <p class="error">{error}</p>
  if (timeline === undefined) return <p>{m.loading}</p>
  const i = timeline.incident
  return (
    <section class="timeline-page" data-testid="timeline-page">
      <h1><span class={`badge ${i.priority}`}>{i.priority}</span> {alarmLabel(i.alarmType)} <small>{i.incidentId}</small></h1>
      <p>
        {m.resident(i.residentId)} · {m.status} <strong>{statusLabel(i.status)}</strong> · {m.owner(who(i.owner))}
        {i.resolvedBy !== undefined ? m.resolvedBy(who(i.resolvedBy)) : ""} · <a href={`#/incident/${i.incidentId}`}>{m.openIncident}</a>
      </p>
      <TimelineView entries={timeline.entries} />
    </section>
  )
}
