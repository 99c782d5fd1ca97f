import { useEffect, useState } from "preact/hooks"
import { api, type Incident, type Timeline } from "./api.ts"
import { age, alarmLabel, isUnclaimed, who } from "./format.ts"
import type { LiveQueue } from "./live-queue.ts"
import { TimelineView } from "./timeline-view.tsx"

/** Queue length by priority and the oldest unclaimed incident, live. */
export const Overview = ({ incidents, now }: { readonly incidents: ReadonlyArray<Incident>; readonly now: number }) => {
  const waiting = incidents.filter(isUnclaimed)
  const oldest = [...waiting].sort((a, b) => a.openedAt.localeCompare(b.openedAt))[0]
  return (
    <section class="overview" data-testid="overview">
      {(["P1", "P2", "P3", "P4"] as const).map((p) => (
        <div class={`tile ${p}`} data-priority={p}>
          <span class="n">{waiting.filter((i) => i.priority === p).length}</span>
          <span class="label">{p} waiting</span>
          <small>{incidents.filter((i) => i.priority === p && !isUnclaimed(i)).length} in hand</small>
        </div>
      ))}
      <div class="tile oldest" data-testid="oldest-unclaimed">
        <span class="n">{oldest === undefined ? "—" : age(oldest.openedAt, now)}</span>
        <span class="label">oldest unclaimed</span>
        <small>{oldest === undefined ? "" : `${oldest.priority} ${alarmLabel(oldest.alarmType)}`}</small>
      </div>
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
  if (error !== undefined) return <p class="error">{error}</p>
  if (timeline === undefined) return <p>Loading timeline…</p>
  const i = timeline.incident
  return (
    <section class="timeline-page" data-testid="timeline-page">
      <h1><span class={`badge ${i.priority}`}>{i.priority}</span> {alarmLabel(i.alarmType)} <small>{i.incidentId}</small></h1>
      <p>
        Resident {i.residentId} · status <strong>{i.status.replace(/_/g, " ")}</strong> · owner {who(i.owner)}
        {i.resolvedBy !== undefined ? ` · resolved by ${who(i.resolvedBy)}` : ""} · <a href={`#/incident/${i.incidentId}`}>open incident</a>
      </p>
      <TimelineView entries={timeline.entries} />
    </section>
  )
}
