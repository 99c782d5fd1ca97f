import { useEffect, useState } from "preact/hooks"
import { api, type Incident } from "./api.ts"
import { alarmLabel, dateTime, statusLabel, who } from "./format.ts"
import { t } from "./i18n.ts"

/** `#/incidents`: a supervisor's way to any incident's timeline, finished ones included. */
export const RecentIncidents = () => {
  const [incidents, setIncidents] = useState<ReadonlyArray<Incident> | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [id, setId] = useState("")
  useEffect(() => {
    api.incidentsIn("active,resolved,closed,cancelled,merged").then(
      (list) => setIncidents([...list].sort((a, b) => b.openedAt.localeCompare(a.openedAt))),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e))
    )
  }, [])
  const m = t()
  return (
    <section class="recent" data-testid="recent-incidents">
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); if (id.trim() !== "") location.hash = `#/timeline/${encodeURIComponent(id.trim())}` }}>
        <input placeholder={m.recent.idPlaceholder} value={id} onInput={(e) => setId(e.currentTarget.value)} />
        <button>{m.recent.openTimeline}</button>
      </form>
      {error !== undefined ? <p class="error">{error}</p> : incidents === undefined ? <p>{m.recent.loading}</p> : (
        <table class="admin-list">
          <thead><tr><th>{m.recent.headers.opened}</th><th>{m.queue.headers.priority}</th><th>{m.queue.headers.alarm}</th><th>{m.queue.headers.resident}</th><th>{m.common.tenant}</th><th>{m.queue.headers.status}</th><th>{m.recent.headers.owner}</th><th></th></tr></thead>
          <tbody>
            {incidents.slice(0, 300).map((i) => (
              <tr data-incident={i.incidentId}>
                <td>{dateTime(i.openedAt)}</td><td><span class={`badge ${i.priority}`}>{i.priority}</span></td><td>{alarmLabel(i.alarmType)}</td>
                <td>{i.residentId}</td><td>{i.tenant}</td><td>{statusLabel(i.status)}</td><td>{who(i.resolvedBy ?? i.owner)}</td>
                <td><a href={`#/timeline/${encodeURIComponent(i.incidentId)}`}>{m.recent.timeline}</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
