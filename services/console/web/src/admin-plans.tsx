import { useState } from "preact/hooks"
import { api, type PlanRecord } from "./api.ts"
import { errorText, useLoad } from "./admin-common.tsx"

export const PlanList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
  const { value, error, reload } = useLoad(() => api.admin.plans(), [])
  const [editing, setEditing] = useState<PlanRecord | undefined>()
  const [note, setNote] = useState<string | undefined>()
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>Loading plans…</p>
  return (
    <div class="plans-admin">
      <table class="admin-list" data-testid="plan-list">
        <thead><tr><th>Plan</th><th>Tenant</th><th>Alarm types</th><th></th></tr></thead>
        <tbody>
          {value.map((p) => (
            <tr><td>{p.id}</td><td>{p.tenant}</td><td>{p.entries.map((e) => e.alarmType).join(", ")}</td>
              <td><button onClick={() => setEditing(p)}>Edit</button></td></tr>
          ))}
        </tbody>
      </table>
      <button onClick={() => setEditing({ id: "plan-new", tenant: tenants[0] ?? "", entries: [{ alarmType: "safety_alarm", title: "", steps: [""] }] })}>New plan</button>
      {editing === undefined ? null : (
        <form class="plan-edit" onSubmit={(e) => {
          e.preventDefault()
          const entries = editing.entries.map((x) => ({ ...x, steps: x.steps.filter((s) => s.trim() !== "") }))
          api.admin.putPlan(editing.id, { tenant: editing.tenant, entries }).then(() => { setNote(`plan ${editing.id} saved`); void reload() }, (err: unknown) => setNote(errorText(err)))
        }}>
          <label>Plan id<input value={editing.id} onInput={(e) => setEditing({ ...editing, id: e.currentTarget.value })} /></label>
          <label>Tenant<select value={editing.tenant} onChange={(e) => setEditing({ ...editing, tenant: e.currentTarget.value })}>{tenants.map((t) => <option value={t}>{t}</option>)}</select></label>
          {editing.entries.map((entry, i) => (
            <fieldset>
              <legend>Checklist {i + 1}</legend>
              <input aria-label="alarm type" placeholder="alarm type (safety_alarm:fall_detector, sensor:smoke …)" value={entry.alarmType}
                onInput={(e) => setEditing({ ...editing, entries: editing.entries.map((x, j) => (j === i ? { ...x, alarmType: e.currentTarget.value } : x)) })} />
              <input aria-label="title" placeholder="title" value={entry.title}
                onInput={(e) => setEditing({ ...editing, entries: editing.entries.map((x, j) => (j === i ? { ...x, title: e.currentTarget.value } : x)) })} />
              <textarea aria-label="steps" rows={4} value={entry.steps.join("\n")}
                onInput={(e) => setEditing({ ...editing, entries: editing.entries.map((x, j) => (j === i ? { ...x, steps: e.currentTarget.value.split("\n") } : x)) })} />
            </fieldset>
          ))}
          <button type="button" onClick={() => setEditing({ ...editing, entries: [...editing.entries, { alarmType: "", title: "", steps: [""] }] })}>Add checklist</button>
          <button class="primary">Save plan</button> <small>{note}</small>
        </form>
      )}
    </div>
  )
}
