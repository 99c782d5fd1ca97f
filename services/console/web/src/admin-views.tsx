import { useEffect, useState } from "preact/hooks"
import {
  api,
  ApiError,
  type DeviceRecord,
  type PlanRecord,
  type Resident,
  type ResidentInput,
  type ResidentSummary,
  type User,
  type UserRecord
} from "./api.ts"

type Address = ResidentInput["addresses"][number]
type Contact = Resident["contacts"][number]
type SensorKind = NonNullable<DeviceRecord["sensor"]>
type Tab = "residents" | "devices" | "plans" | "users"

const errorText = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e))

/** Why a change may take a moment to show in triage: said where the change is made. */
const CacheNote = () => (
  <p class="muted note" data-testid="cache-note">
    Changes are saved at once and audited. Triage caches device owners for up to 10 s and absence supervision
    re-reads the fleet every minute, so a device change reaches them within that time.
  </p>
)

const useLoad = <A,>(load: () => Promise<A>, deps: ReadonlyArray<unknown>) => {
  const [value, setValue] = useState<A | undefined>()
  const [error, setError] = useState<string | undefined>()
  const reload = () => load().then((v) => { setValue(v); setError(undefined) }, (e: unknown) => setError(errorText(e)))
  useEffect(() => { void reload() }, deps)
  return { value, error, reload }
}

const Status = ({ saved, error }: { readonly saved: string | undefined; readonly error: string | undefined }) =>
  error !== undefined
    ? <p class="error" role="alert" data-testid="admin-error">{error}</p>
    : saved !== undefined
    ? <p class="saved" role="status" data-testid="admin-saved">{saved}</p>
    : null

/** `#/admin/...`: the registry for administrators of their tenants. */
export const AdminPage = ({ user, tab, id }: { readonly user: User; readonly tab: string | undefined; readonly id: string | undefined }) => {
  const current: Tab = tab === "devices" || tab === "plans" || tab === "users" ? tab : "residents"
  if (user.role !== "admin") return <p class="error">The registry is for administrators.</p>
  return (
    <section class="admin" data-testid="admin">
      <nav class="tabs">
        {(["residents", "devices", "plans", "users"] as const).map((t) => (
          <a href={`#/admin/${t}`} class={t === current ? "active" : ""} aria-current={t === current ? "page" : undefined}>{t}</a>
        ))}
      </nav>
      <CacheNote />
      {current === "residents"
        ? id === undefined ? <ResidentList tenants={user.tenants} /> : <ResidentEditor key={id} residentId={id} tenants={user.tenants} />
        : current === "devices"
        ? <DeviceList />
        : current === "plans"
        ? <PlanList tenants={user.tenants} />
        : <UserList tenants={user.tenants} />}
    </section>
  )
}

const ResidentList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
  const { value, error } = useLoad(() => api.admin.residents(), [])
  const [filter, setFilter] = useState("")
  const [newId, setNewId] = useState("")
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>Loading residents…</p>
  const shown = value.filter((r: ResidentSummary) => `${r.id} ${r.displayName}`.toLowerCase().includes(filter.toLowerCase())).slice(0, 200)
  return (
    <>
      <div class="toolbar">
        <input placeholder="find by name or id" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="resident-filter" />
        <form onSubmit={(e) => { e.preventDefault(); if (newId.trim() !== "") location.hash = `#/admin/residents/${encodeURIComponent(newId.trim())}` }}>
          <input placeholder="new resident id" value={newId} onInput={(e) => setNewId(e.currentTarget.value)} />
          <button>New resident</button>
        </form>
        <span class="muted">tenants: {tenants.join(", ")}</span>
      </div>
      <table class="admin-list" data-testid="resident-list">
        <thead><tr><th>Id</th><th>Name</th><th>Tenant</th><th>Devices</th><th></th></tr></thead>
        <tbody>
          {shown.map((r) => (
            <tr data-resident={r.id}>
              <td>{r.id}</td><td>{r.displayName}</td><td>{r.tenant}</td><td>{r.devices}</td>
              <td><a href={`#/admin/residents/${encodeURIComponent(r.id)}`}>Edit</a></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

const blankResident = (tenant: string): ResidentInput => ({
  tenant,
  displayName: "",
  birthYear: 1940,
  language: "nb",
  addresses: [{ kind: "home", street: "", postcode: "", city: "" }],
  healthNotes: [],
  mobility: "independent",
  keyAccess: { kind: "none" },
  dementia: false,
  responsePlanId: "plan-standard"
})

const inputOf = (r: Resident): ResidentInput => ({
  tenant: r.tenant,
  displayName: r.displayName,
  birthYear: r.birthYear,
  language: r.language,
  addresses: r.addresses.map((a) => ({
    kind: a.kind,
    street: a.street,
    postcode: a.postcode,
    city: a.city,
    ...(typeof a.lat === "number" && Number.isFinite(a.lat) ? { lat: a.lat } : {}),
    ...(typeof a.lon === "number" && Number.isFinite(a.lon) ? { lon: a.lon } : {}),
    ...(a.validFrom !== undefined ? { validFrom: a.validFrom } : {}),
    ...(a.validTo !== undefined ? { validTo: a.validTo } : {})
  })),
  healthNotes: [...r.healthNotes],
  mobility: r.mobility as ResidentInput["mobility"],
  keyAccess: r.keyAccess,
  dementia: r.dementia,
  ...(r.gpsLegalBasis !== undefined ? { gpsLegalBasis: r.gpsLegalBasis as "consent" | "decision_4_6a" } : {}),
  ...(r.geofence !== undefined ? { geofence: r.geofence } : {}),
  responsePlanId: r.responsePlanId
})

const withoutKey = <A extends object, K extends keyof A>(a: A, key: K): Omit<A, K> => {
  const { [key]: _, ...rest } = a
  return rest
}

/** One resident: the record with its addresses, the contacts in calling order, and the devices. */
const ResidentEditor = ({ residentId, tenants }: { readonly residentId: string; readonly tenants: ReadonlyArray<string> }) => {
  const [form, setForm] = useState<ResidentInput | undefined>()
  const [contacts, setContacts] = useState<Array<Contact>>([])
  const [isNew, setIsNew] = useState(false)
  // The notes as typed (blank lines and all) until saved.
  const [notesText, setNotesText] = useState<string | undefined>()
  const [saved, setSaved] = useState<string | undefined>()
  const [error, setError] = useState<string | undefined>()
  const plans = useLoad(() => api.admin.plans(), [])
  const devices = useLoad(() => api.admin.devices(), [])

  useEffect(() => {
    // Reading the record to edit it is audited, like the operator's card.
    api.admin.resident(residentId).then((r) => {
      setForm(inputOf(r))
      setContacts([...r.contacts])
    }, (e: unknown) => {
      if (e instanceof ApiError && e.status === 404) {
        setIsNew(true)
        setForm(blankResident(tenants[0] ?? ""))
      } else setError(errorText(e))
    })
  }, [residentId])

  if (form === undefined) return error !== undefined ? <p class="error">{error}</p> : <p>Loading resident…</p>
  const set = (patch: Partial<ResidentInput>) => setForm({ ...form, ...patch })
  const setAddress = (i: number, patch: Partial<Address>) =>
    set({ addresses: form.addresses.map((a, j) => (j === i ? { ...a, ...patch } : a)) })
  const dateOrNone = (a: Address, key: "validFrom" | "validTo", value: string): Address =>
    value === "" ? withoutKey(a, key) as Address : { ...a, [key]: value }
  const save = async () => {
    setSaved(undefined)
    try {
      const healthNotes = notesText === undefined ? form.healthNotes : notesText.split("\n").map((l) => l.trim()).filter((l) => l !== "")
      await api.admin.putResident(residentId, { ...form, healthNotes })
      setForm({ ...form, healthNotes })
      setNotesText(undefined)
      setIsNew(false)
      setError(undefined)
      setSaved(`Saved ${form.displayName} at ${new Date().toLocaleTimeString("en-GB")}`)
    } catch (e) {
      setError(errorText(e))
    }
  }
  const saveContacts = async () => {
    setSaved(undefined)
    try {
      await api.admin.putContacts(residentId, { contacts })
      setError(undefined)
      setSaved(`Contacts saved at ${new Date().toLocaleTimeString("en-GB")}`)
    } catch (e) {
      setError(errorText(e))
    }
  }
  const move = (i: number, by: number) => {
    const next = [...contacts]
    const [c] = next.splice(i, 1)
    next.splice(Math.max(0, Math.min(next.length, i + by)), 0, c!)
    setContacts(next)
  }
  const own = (devices.value ?? []).filter((d) => d.residentId === residentId && d.tenant === form.tenant)

  return (
    <div class="editor" data-testid="resident-editor">
      <h2>{isNew ? "New resident" : form.displayName} <small>{residentId}</small></h2>
      <form class="grid" onSubmit={(e) => { e.preventDefault(); void save() }}>
        <label>Tenant
          <select name="tenant" value={form.tenant} disabled={!isNew} onChange={(e) => set({ tenant: e.currentTarget.value })}>
            {tenants.map((t) => <option value={t}>{t}</option>)}
          </select>
        </label>
        <label>Name<input name="displayName" required value={form.displayName} onInput={(e) => set({ displayName: e.currentTarget.value })} /></label>
        <label>Born<input name="birthYear" type="number" value={form.birthYear} onInput={(e) => set({ birthYear: Number(e.currentTarget.value) })} /></label>
        <label>Language<input name="language" value={form.language} pattern="[a-z]{2,3}" title="ISO 639 code: nb, se, en, pl …" onInput={(e) => set({ language: e.currentTarget.value })} /></label>
        <label>Mobility
          <select name="mobility" value={form.mobility} onChange={(e) => set({ mobility: e.currentTarget.value as ResidentInput["mobility"] })}>
            {["independent", "walking_aid", "wheelchair", "bedbound"].map((m) => <option value={m}>{m.replace(/_/g, " ")}</option>)}
          </select>
        </label>
        <label class="check"><input name="dementia" type="checkbox" checked={form.dementia} onChange={(e) => set({ dementia: e.currentTarget.checked })} /> Dementia</label>
        <label>Key access
          <select name="keyKind" value={form.keyAccess.kind} onChange={(e) => {
            const kind = e.currentTarget.value
            set({ keyAccess: kind === "key_safe" ? { kind, code: "" } : kind === "e_lock" ? { kind, lockId: "" } : { kind: "none" } })
          }}>
            <option value="key_safe">key safe</option><option value="e_lock">e-lock</option><option value="none">none</option>
          </select>
        </label>
        {form.keyAccess.kind === "key_safe"
          ? <label>Key safe code<input name="keyCode" value={form.keyAccess.code} onInput={(e) => set({ keyAccess: { kind: "key_safe", code: e.currentTarget.value } })} /></label>
          : form.keyAccess.kind === "e_lock"
          ? <label>E-lock id<input name="lockId" value={form.keyAccess.lockId} onInput={(e) => set({ keyAccess: { kind: "e_lock", lockId: e.currentTarget.value } })} /></label>
          : <span />}
        <label>GPS legal basis
          <select name="gpsLegalBasis" value={form.gpsLegalBasis ?? ""} onChange={(e) => {
            const v = e.currentTarget.value
            setForm(v === "" ? withoutKey(form, "gpsLegalBasis") : { ...form, gpsLegalBasis: v as "consent" | "decision_4_6a" })
          }}>
            <option value="">no GPS tracking</option>
            <option value="consent">consent from the resident</option>
            <option value="decision_4_6a">decision under § 4-6 a</option>
          </select>
        </label>
        <label>Response plan
          <select name="responsePlanId" value={form.responsePlanId} onChange={(e) => set({ responsePlanId: e.currentTarget.value })}>
            <option value="">none</option>
            {[...new Set((plans.value ?? []).filter((p) => p.tenant === form.tenant).map((p) => p.id))].map((id) => <option value={id}>{id}</option>)}
          </select>
        </label>
        <label class="wide">Emergency health notes (one per line)
          <textarea name="healthNotes" rows={3} value={notesText ?? form.healthNotes.join("\n")} onInput={(e) => setNotesText(e.currentTarget.value)} />
        </label>

        <fieldset class="wide addresses-edit" data-testid="addresses">
          <legend>Addresses</legend>
          {form.addresses.map((a, i) => (
            <div class={`address-row ${a.kind}`} data-kind={a.kind}>
              <select name={`address-${i}-kind`} value={a.kind} onChange={(e) => setAddress(i, { kind: e.currentTarget.value as Address["kind"] })}>
                <option value="home">home</option><option value="temporary">temporary</option>
              </select>
              <input name={`address-${i}-street`} placeholder="street" required value={a.street} onInput={(e) => setAddress(i, { street: e.currentTarget.value })} />
              <input name={`address-${i}-postcode`} placeholder="postcode" required size={6} value={a.postcode} onInput={(e) => setAddress(i, { postcode: e.currentTarget.value })} />
              <input name={`address-${i}-city`} placeholder="city" required value={a.city} onInput={(e) => setAddress(i, { city: e.currentTarget.value })} />
              <label>from<input name={`address-${i}-from`} type="date" value={a.validFrom ?? ""} required={a.kind === "temporary"} onInput={(e) => set({ addresses: form.addresses.map((x, j) => (j === i ? dateOrNone(x, "validFrom", e.currentTarget.value) : x)) })} /></label>
              <label>to<input name={`address-${i}-to`} type="date" value={a.validTo ?? ""} required={a.kind === "temporary"} onInput={(e) => set({ addresses: form.addresses.map((x, j) => (j === i ? dateOrNone(x, "validTo", e.currentTarget.value) : x)) })} /></label>
              <button type="button" onClick={() => set({ addresses: form.addresses.filter((_, j) => j !== i) })} aria-label={`remove address ${i + 1}`}>Remove</button>
            </div>
          ))}
          <button type="button" data-testid="add-temporary" onClick={() => set({ addresses: [...form.addresses, { kind: "temporary", street: "", postcode: "", city: "" }] })}>
            Add temporary address (during a move, respite stay …)
          </button>
        </fieldset>
        <div class="wide"><button class="primary" data-testid="save-resident">Save resident</button></div>
      </form>
      <Status saved={saved} error={error} />

      {isNew ? null : (
        <>
          <h3>Contacts, in calling order</h3>
          <div class="contacts-edit" data-testid="contacts-edit">
            {contacts.map((c, i) => (
              <div class="contact-row">
                <span class="n">{i + 1}.</span>
                <input aria-label="name" value={c.name} onInput={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))} />
                <input aria-label="relation" value={c.relation} onInput={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, relation: e.currentTarget.value } : x)))} />
                <input aria-label="phone" value={c.phone} onInput={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, phone: e.currentTarget.value } : x)))} />
                <label class="check"><input type="checkbox" checked={c.keyholder} onChange={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, keyholder: e.currentTarget.checked } : x)))} /> keyholder</label>
                <button type="button" onClick={() => move(i, -1)} aria-label="call earlier">↑</button>
                <button type="button" onClick={() => move(i, 1)} aria-label="call later">↓</button>
                <button type="button" onClick={() => setContacts(contacts.filter((_, j) => j !== i))}>Remove</button>
              </div>
            ))}
            <button type="button" onClick={() => setContacts([...contacts, { name: "", relation: "", phone: "", keyholder: false }])}>Add contact</button>
            <button type="button" class="primary" onClick={() => void saveContacts()}>Save contacts</button>
          </div>
          <h3>Devices</h3>
          <DeviceTable devices={own} onSaved={() => void devices.reload()} />
          <NewDevice tenant={form.tenant} residentId={residentId} onSaved={() => void devices.reload()} />
        </>
      )}
    </div>
  )
}

const DeviceTable = ({ devices, onSaved }: { readonly devices: ReadonlyArray<DeviceRecord>; readonly onSaved: () => void }) => (
  <table class="admin-list" data-testid="device-table">
    <thead><tr><th>Id</th><th>Type</th><th>Resident</th><th>Placement</th><th>Heartbeat (s)</th><th>Active</th><th></th></tr></thead>
    <tbody>{devices.map((d) => <DeviceRow key={`${d.tenant}/${d.id}`} device={d} onSaved={onSaved} />)}</tbody>
  </table>
)

const DeviceRow = ({ device, onSaved }: { readonly device: DeviceRecord; readonly onSaved: () => void }) => {
  const [placement, setPlacement] = useState(device.placement)
  const [heartbeat, setHeartbeat] = useState(device.heartbeatIntervalS)
  const [active, setActive] = useState(device.active)
  const [note, setNote] = useState<string | undefined>()
  const save = () => {
    const { id: _, triggers, ...input } = device
    api.admin.putDevice(device.id, { ...input, ...(triggers !== undefined ? { triggers: [...triggers] } : {}), placement, heartbeatIntervalS: heartbeat, active })
      .then(() => { setNote("saved"); onSaved() }, (e: unknown) => setNote(errorText(e)))
  }
  return (
    <tr data-device={device.id}>
      <td>{device.id}</td>
      <td>{device.type.replace(/_/g, " ")}{device.sensor !== undefined ? ` (${device.sensor})` : ""}</td>
      <td>{device.residentId}</td>
      <td><input aria-label="placement" value={placement} onInput={(e) => setPlacement(e.currentTarget.value)} /></td>
      <td><input aria-label="heartbeat interval" type="number" min={10} value={heartbeat} onInput={(e) => setHeartbeat(Number(e.currentTarget.value))} /></td>
      <td><input aria-label="active" type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} /></td>
      <td><button onClick={save}>Save</button> <small>{note}</small></td>
    </tr>
  )
}

const NewDevice = ({ tenant, residentId, onSaved }: { readonly tenant: string; readonly residentId: string; readonly onSaved: () => void }) => {
  const [id, setId] = useState("")
  const [type, setType] = useState<"safety_alarm" | "sensor" | "gps" | "medication">("sensor")
  const [sensor, setSensor] = useState("motion")
  const [placement, setPlacement] = useState("")
  const [note, setNote] = useState<string | undefined>()
  return (
    <form class="new-device" onSubmit={(e) => {
      e.preventDefault()
      api.admin.putDevice(id.trim(), {
        tenant, residentId, type, placement, heartbeatIntervalS: 60, active: true,
        ...(type === "sensor" ? { sensor: sensor as SensorKind } : {}),
        ...(type === "safety_alarm" ? { triggers: ["button", "pendant", "pull_cord"] } : {})
      }).then(() => { setNote(`device ${id} added`); setId(""); onSaved() }, (err: unknown) => setNote(errorText(err)))
    }}>
      <strong>Add device</strong>
      <input placeholder="device id" required value={id} onInput={(e) => setId(e.currentTarget.value)} />
      <select value={type} onChange={(e) => setType(e.currentTarget.value as typeof type)}>
        {["safety_alarm", "sensor", "gps", "medication"].map((t) => <option value={t}>{t.replace(/_/g, " ")}</option>)}
      </select>
      {type === "sensor"
        ? <select value={sensor} onChange={(e) => setSensor(e.currentTarget.value)}>
          {["bed", "motion", "door", "smoke", "heat", "water", "epilepsy", "e_lock"].map((s) => <option value={s}>{s}</option>)}
        </select>
        : null}
      <input placeholder="placement (bedroom, front door …)" required value={placement} onInput={(e) => setPlacement(e.currentTarget.value)} />
      <button>Add</button> <small>{note}</small>
    </form>
  )
}

const DeviceList = () => {
  const { value, error, reload } = useLoad(() => api.admin.devices(), [])
  const [filter, setFilter] = useState("")
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>Loading devices…</p>
  const shown = value.filter((d) => `${d.id} ${d.residentId} ${d.placement}`.toLowerCase().includes(filter.toLowerCase())).slice(0, 200)
  return (
    <>
      <div class="toolbar"><input placeholder="find by device, resident or placement" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} /> <span class="muted">{value.length} devices</span></div>
      <DeviceTable devices={shown} onSaved={() => void reload()} />
    </>
  )
}

const PlanList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
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

const UserList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
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
