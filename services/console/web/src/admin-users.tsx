import { useState } from "preact/hooks"
import { api, type UserRecord } from "./api.ts"
import { errorText, useLoad } from "./admin-common.tsx"
import { t, term } from "./i18n.ts"

export const UserList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
  const { value, error, reload } = useLoad(() => api.admin.users(), [])
  const [editing, setEditing] = useState<(UserRecord & { password: string }) | undefined>()
  const [note, setNote] = useState<string | undefined>()
  const m = t()
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>{m.admin.loadingUsers}</p>
  return (
    <div class="users-admin">
      <table class="admin-list" data-testid="user-list">
        <thead><tr><th>{m.admin.userHeaders.user}</th><th>{m.common.name}</th><th>{m.admin.userHeaders.role}</th><th>{m.common.tenants}</th><th></th></tr></thead>
        <tbody>
          {value.map((u) => (
            <tr><td>{u.username}</td><td>{u.displayName}</td><td>{term(m.roles, u.role)}</td><td>{u.tenants.join(", ")}</td>
              <td><button onClick={() => setEditing({ ...u, tenants: [...u.tenants], password: "" })}>{m.common.edit}</button></td></tr>
          ))}
        </tbody>
      </table>
      <button onClick={() => setEditing({ id: "", username: "", displayName: "", role: "operator", tenants: [tenants[0] ?? ""], password: "" })}>{m.admin.newUser}</button>
      {editing === undefined ? null : (
        <form class="user-edit" onSubmit={(e) => {
          e.preventDefault()
          const id = editing.id !== "" ? editing.id : `user-${editing.username}`
          api.admin.putUser(id, {
            username: editing.username, displayName: editing.displayName, role: editing.role, tenants: [...editing.tenants],
            ...(editing.password !== "" ? { password: editing.password } : {})
          }).then(() => { setNote(m.admin.userSaved(editing.username)); setEditing(undefined); void reload() }, (err: unknown) => setNote(errorText(err)))
        }}>
          <label>{m.admin.username}<input required value={editing.username} onInput={(e) => setEditing({ ...editing, username: e.currentTarget.value })} /></label>
          <label>{m.common.name}<input required value={editing.displayName} onInput={(e) => setEditing({ ...editing, displayName: e.currentTarget.value })} /></label>
          <label>{m.admin.role}<select value={editing.role} onChange={(e) => setEditing({ ...editing, role: e.currentTarget.value as UserRecord["role"] })}>
            {(["operator", "supervisor", "admin"] as const).map((r) => <option value={r}>{term(m.roles, r)}</option>)}
          </select></label>
          <fieldset><legend>{m.common.tenants}</legend>
            {tenants.map((t) => (
              <label class="check"><input type="checkbox" checked={editing.tenants.includes(t)}
                onChange={(e) => setEditing({ ...editing, tenants: e.currentTarget.checked ? [...editing.tenants, t] : editing.tenants.filter((x) => x !== t) })} /> {t}</label>
            ))}
          </fieldset>
          <label>{editing.id === "" ? m.admin.password : m.admin.newPassword}
            <input type="password" autocomplete="new-password" value={editing.password} onInput={(e) => setEditing({ ...editing, password: e.currentTarget.value })} /></label>
          <button class="primary">{m.admin.saveUser}</button>
        </form>
      )}
      <small>{note}</small>
    </div>
  )
}
