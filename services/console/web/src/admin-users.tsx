import { useState } from "preact/hooks"
import { api, type UserRecord } from "./api.ts"
import { errorText, useLoad } from "./admin-common.tsx"

export const UserList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
  const { value, error, reload } = useLoad(() => api.admin.users(), [])
  const [editing, setEditing] = useState<(UserRecord & { password: string }) | undefined>()
  const [note, setNote] = useState<string | undefined>()
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>Loading users…</p>
  return (
    <div class="users-admin">
      <table class="admin-list" data-testid="user-list">
        <thead><tr><th>User</th><th>Name</th><th>Role</th><th>Tenants</th><th></th></tr></thead>
        <tbody>
          {value.map((u) => (
            <tr><td>{u.username}</td><td>{u.displayName}</td><td>{u.role}</td><td>{u.tenants.join(", ")}</td>
              <td><button onClick={() => setEditing({ ...u, tenants: [...u.tenants], password: "" })}>Edit</button></td></tr>
          ))}
        </tbody>
      </table>
      <button onClick={() => setEditing({ id: "", username: "", displayName: "", role: "operator", tenants: [tenants[0] ?? ""], password: "" })}>New user</button>
      {editing === undefined ? null : (
        <form class="user-edit" onSubmit={(e) => {
          e.preventDefault()
          const id = editing.id !== "" ? editing.id : `user-${editing.username}`
          api.admin.putUser(id, {
            username: editing.username, displayName: editing.displayName, role: editing.role, tenants: [...editing.tenants],
            ...(editing.password !== "" ? { password: editing.password } : {})
          }).then(() => { setNote(`user ${editing.username} saved`); setEditing(undefined); void reload() }, (err: unknown) => setNote(errorText(err)))
        }}>
          <label>Username<input required value={editing.username} onInput={(e) => setEditing({ ...editing, username: e.currentTarget.value })} /></label>
          <label>Name<input required value={editing.displayName} onInput={(e) => setEditing({ ...editing, displayName: e.currentTarget.value })} /></label>
          <label>Role<select value={editing.role} onChange={(e) => setEditing({ ...editing, role: e.currentTarget.value as UserRecord["role"] })}>
            <option value="operator">operator</option><option value="supervisor">supervisor</option><option value="admin">admin</option>
          </select></label>
          <fieldset><legend>Tenants</legend>
            {tenants.map((t) => (
              <label class="check"><input type="checkbox" checked={editing.tenants.includes(t)}
                onChange={(e) => setEditing({ ...editing, tenants: e.currentTarget.checked ? [...editing.tenants, t] : editing.tenants.filter((x) => x !== t) })} /> {t}</label>
            ))}
          </fieldset>
          <label>{editing.id === "" ? "Password (at least 10 characters)" : "New password (empty: unchanged; signs the user out)"}
            <input type="password" autocomplete="new-password" value={editing.password} onInput={(e) => setEditing({ ...editing, password: e.currentTarget.value })} /></label>
          <button class="primary">Save user</button>
        </form>
      )}
      <small>{note}</small>
    </div>
  )
}
