import { useState } from "preact/hooks"
import { api, type PlanRecord } from "./api.ts"
import { errorText, useLoad } from "./admin-common.tsx"
import { t } from "./i18n.ts"

export const PlanList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
  const { value, error, reload } = useLoad(() => api.admin.plans(), [])
  const [editing, setEditing] = useState<PlanRecord | undefined>()
  const [note, setNote] = useState<string | undefined>()
  const m = t()
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>{m.admin.loadingPlans}</p>
  return (
    <div class="plans-admin">
      <table class="admin-list" data-testid="plan-list">
        <thead><tr><th>{m.admin.planHeaders.plan}</th><th>{m.common.tenant}</th><th>{m.admin.planHeaders.alarmTypes}</th><th></th></tr></thead>
        <tbody>
          {value.map((p) => (
            <tr><td>{p.id}</td><td>{p.tenant}</td><td>{p.entries.map((e) => e.alarmType).join(", ")}</td>
              <td><button onClick={() => setEditing(p)}>{m.common.edit}</button></td></tr>
          ))}
        </tbody>
      </table>
      <button onClick={() => setEditing({ id: "plan-new", tenant: tenants[0] ?? "", entries: [{ alarmType: "safety_alarm", title: "", steps: [""] }] })}>{m.admin.newPlan}</button>
      {editing === undefined ? null : (
        <form class="plan-edit" onSubmit={(e) => {
          e.preventDefault()
          const entries = editing.entries.map((x) => ({ ...x, steps: x.steps.filter((s) => s.trim() !== "") }))
          api.admin.putPlan(editing.id, { tenant: editing.tenant, entries }).then(() => { setNote(m.admin.planSaved(editing.id)); void reload() }, (err: unknown) => setNote(errorText(err)))
        }}>
          <label>{m.admin.planId}<input value={editing.id} onInput={(e) => setEditing({ ...editing, id: e.currentTarget.value })} /></label>
          <label>{m.common.tenant}<select value={editing.tenant} onChange={(e) => setEditing({ ...editing, tenant: e.currentTarget.value })}>{tenants.map((t) => <option value={t}>{t}</option>)}</select></label>
          {editing.entries.map((entry, i) => (
            <fieldset>
              <legend>{m.admin.checklist(i + 1)}</legend>
              <input aria-label={m.admin.alarmType} placeholder={m.admin.alarmTypePlaceholder} value={entry.alarmType}
                onInput={(e) => setEditing({ ...editing, entries: editing.entries.map((x, j) => (j === i ? { ...x, alarmType: e.currentTarget.value } : x)) })} />
              <input aria-label={m.admin.title} placeholder={m.admin.title} value={entry.title}
                onInput={(e) => setEditing({ ...editing, entries: editing.entries.map((x, j) => (j === i ? { ...x, title: e.currentTarget.value } : x)) })} />
              <textarea aria-label={m.admin.steps} rows={4} value={entry.steps.join("\n")}
                onInput={(e) => setEditing({ ...editing, entries: editing.entries.map((x, j) => (j === i ? { ...x, steps: e.currentTarget.value.split("\n") } : x)) })} />
            </fieldset>
          ))}
          <button type="button" onClick={() => setEditing({ ...editing, entries: [...editing.entries, { alarmType: "", title: "", steps: [""] }] })}>{m.admin.addChecklist}</button>
          <button class="primary">{m.admin.savePlan}</button> <small>{note}</small>
        </form>
      )}
    </div>
  )
}
