import type { Actor, TimelineEntry } from "./api.ts"
import { codeLabel } from "./handling-codes.ts"
import { dateTime, kindLabel, num, who } from "./format.ts"
import { t, term } from "./i18n.ts"
import { timelineWhat } from "./timeline-what.ts"

export interface OwnershipInterval {
  readonly owner: string
  readonly from: string
  readonly to?: string
}

const ending = new Set(["incident_resolved", "incident_cancelled", "incident_closed", "incident_merged"])

/** Who owned the incident when: the queue from opening, then each claimant, until it ended. */
export const ownershipIntervals = (entries: ReadonlyArray<TimelineEntry>): Array<OwnershipInterval> => {
  const intervals: Array<{ owner: string; from: string; to?: string }> = []
  const handOver = (owner: string, at: string) => {
    const last = intervals.at(-1)
    if (last !== undefined && last.to === undefined) last.to = at
    intervals.push({ owner, from: at })
  }
  for (const e of entries) {
    if (e.kind === "incident_opened") handOver("queue", e.at)
    else if (e.kind === "incident_claimed") handOver(who(e.actor), e.at)
    else if (ending.has(e.kind)) {
      const last = intervals.at(-1)
      if (last !== undefined && last.to === undefined) last.to = e.at
    }
  }
  return intervals
}

const actorText = (actor: Actor) => actor.kind === "operator" || actor.kind === "supervisor" || actor.kind === "admin"
  ? `${who(actor)} (${term(t().actorKind, actor.kind)})`
  : `${term(t().actorKind, actor.kind)}:${actor.id}`

const seconds = (from: string, to: string | undefined) =>
  to === undefined ? t().timeline.ongoing : `${num((Date.parse(to) - Date.parse(from)) / 1000, 1)} s`

/** Every event, decision and action with who and when, and the ownership intervals. */
export const TimelineView = ({ entries }: { readonly entries: ReadonlyArray<TimelineEntry> }) => {
  const m = t().timeline
  return (
  <>
    <table class="timeline" data-testid="timeline">
      <thead><tr><th>{m.headers.time}</th><th>{m.headers.who}</th><th>{m.headers.code}</th><th>{m.headers.what}</th></tr></thead>
      <tbody>
        {entries.map((e) => (
          <tr data-kind={e.kind} key={`${e.version}-${e.entry}`}>
            <td class="time">{dateTime(e.at)}</td>
            <td class="who">{actorText(e.actor)}</td>
            <td class="code">{codeLabel(e.handlingCode)}</td>
            <td>
              <span class="kind">{kindLabel(e.kind)}</span> {timelineWhat(e)}
              {e.kind === "note_added" && typeof e.detail === "object" && e.detail !== null && "text" in e.detail
                ? <div class="note-text">“{String(e.detail.text)}”</div>
                : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    <h3>{m.ownership}</h3>
    <table class="ownership" data-testid="ownership">
      <thead><tr><th>{m.ownershipHeaders.owner}</th><th>{m.ownershipHeaders.from}</th><th>{m.ownershipHeaders.to}</th><th>{m.ownershipHeaders.held}</th></tr></thead>
      <tbody>
        {ownershipIntervals(entries).map((o) => (
          <tr><td>{o.owner === "queue" ? m.queue : o.owner}</td><td>{dateTime(o.from)}</td><td>{o.to === undefined ? "" : dateTime(o.to)}</td><td>{seconds(o.from, o.to)}</td></tr>
        ))}
      </tbody>
    </table>
  </>
  )
}
