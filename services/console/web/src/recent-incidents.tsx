import { useEffect, useState } from "preact/hooks"
import { api, type Incident } from "./api.ts"
import { alarmLabel, dateTime, who } from "./format.ts"

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
  return (
    <section class="recent" data-testid="recent-incidents">
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); if (id.trim() !== "") location.hash = `#/timeline/${encodeURIComponent(id.trim())}` }}>
        <input placeholder="incident id" value={id} onInput={(e) => setId(e.currentTarget.value)} />
        <button>Open timeline</button>
      </form>
      {error !== undefined ? <p class="error">{error}</p> : incidents === undefined ? <p>Loading incidents…</p> : (
        <table class="admin-list">
          <thead><tr><th>Opened</th><th>Pri</th><th>Alarm</th><th>Resident</th><th>Tenant</th><th>Status</th><th>Owner</th><th></th></tr></thead>
          <tbody>
            {incidents.slice(0, 300).map((i) => (
              <tr data-incident={i.incidentId}>
                <td>{dateTime(i.openedAt)}</td><td><span class={`badge ${i.priority}`}>{i.priority}</span></td><td>{alarmLabel(i.alarmType)}</td>
                <td>{i.residentId}</td><td>{i.tenant}</td><td>{i.status.replace(/_/g, " ")}</td><td>{who(i.resolvedBy ?? i.owner)}</td>
                <td><a href={`#/timeline/${encodeURIComponent(i.incidentId)}`}>Timeline</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
