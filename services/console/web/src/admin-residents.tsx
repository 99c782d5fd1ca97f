import type { GpsLegalBasis, Mobility } from "@wt/contracts"
import { useEffect, useState } from "preact/hooks"
import { api, ApiError, type Resident, type ResidentInput, type ResidentSummary } from "./api.ts"
import { errorText, Status, useLoad, withoutKey } from "./admin-common.tsx"
import { DeviceTable, NewDevice } from "./admin-devices.tsx"
import { clock } from "./format.ts"
import { t, term } from "./i18n.ts"

type Address = ResidentInput["addresses"][number]
type Contact = Resident["contacts"][number]

// The registry's mobility levels, in the order offered; the record fails to compile when the model gains or loses one.
const mobilities = Object.keys({ independent: true, walking_aid: true, wheelchair: true, bedbound: true } satisfies Record<Mobility, true>) as ReadonlyArray<Mobility>

export const ResidentList = ({ tenants }: { readonly tenants: ReadonlyArray<string> }) => {
  const { value, error } = useLoad(() => api.admin.residents(), [])
  const [filter, setFilter] = useState("")
  const [newId, setNewId] = useState("")
  const m = t()
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>{m.admin.loadingResidents}</p>
  const shown = value.filter((r: ResidentSummary) => `${r.id} ${r.displayName}`.toLowerCase().includes(filter.toLowerCase())).slice(0, 200)
  return (
    <>
      <div class="toolbar">
        <input placeholder={m.admin.findResident} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="resident-filter" />
        <form onSubmit={(e) => { e.preventDefault(); if (newId.trim() !== "") location.hash = `#/admin/residents/${encodeURIComponent(newId.trim())}` }}>
          <input placeholder={m.admin.newResidentId} value={newId} onInput={(e) => setNewId(e.currentTarget.value)} />
          <button>{m.admin.newResident}</button>
        </form>
        <span class="muted">{m.admin.tenantsList(tenants.join(", "))}</span>
      </div>
      <table class="admin-list" data-testid="resident-list">
        <thead><tr><th>{m.common.id}</th><th>{m.common.name}</th><th>{m.common.tenant}</th><th>{m.admin.residentHeaders.devices}</th><th></th></tr></thead>
        <tbody>
          {shown.map((r) => (
            <tr data-resident={r.id}>
              <td>{r.id}</td><td>{r.displayName}</td><td>{r.tenant}</td><td>{r.devices}</td>
              <td><a href={`#/admin/residents/${encodeURIComponent(r.id)}`}>{m.common.edit}</a></td>
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
  mobility: r.mobility,
  keyAccess: r.keyAccess,
  dementia: r.dementia,
  ...(r.gpsLegalBasis !== undefined ? { gpsLegalBasis: r.gpsLegalBasis } : {}),
  ...(r.geofence !== undefined ? { geofence: r.geofence } : {}),
  responsePlanId: r.responsePlanId
})


/** One resident: the record with its addresses, the contacts in calling order, and the devices. */
export const ResidentEditor = ({ residentId, tenants }: { readonly residentId: string; readonly tenants: ReadonlyArray<string> }) => {
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

  if (form === undefined) return error !== undefined ? <p class="error">{error}</p> : <p>{t().common.loading}</p>
  const set = (patch: Partial<ResidentInput>) => setForm({ ...form, ...patch })
  const setAddress = (i: number, patch: Partial<Address>) =>
    set({ addresses: form.addresses.map((a, j) => (j === i ? { ...a, ...patch } : a)) })
  const dateOrNone = (a: Address, key: "validFrom" | "validTo", value: string): Address =>
    value === "" ? withoutKey(a, key) as Address : { ...a, [key]: value }
  const save = async () => {
    setSaved(undefined)
    try {
      const healthNotes = notesText === undefined ? form.healthNotes : notesText.split("\n").map((l) => l.trim()).filter((l) => l !== "")
      // An empty code field keeps the stored code.
      const keyAccess = form.keyAccess.kind === "key_safe" && (form.keyAccess.code ?? "") === "" ? { kind: "key_safe" as const } : form.keyAccess
      await api.admin.putResident(residentId, { ...form, healthNotes, keyAccess })
      setForm({ ...form, healthNotes, keyAccess: form.keyAccess.kind === "key_safe" ? { kind: "key_safe" } : form.keyAccess })
      setNotesText(undefined)
      setIsNew(false)
      setError(undefined)
      setSaved(t().admin.savedAt(form.displayName, clock(Date.now())))
    } catch (e) {
      setError(errorText(e))
    }
  }
  const saveContacts = async () => {
    setSaved(undefined)
    try {
      await api.admin.putContacts(residentId, { contacts })
      setError(undefined)
      setSaved(t().admin.contactsSavedAt(clock(Date.now())))
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
  const m = t()
  const words = m.admin

  return (
    <div class="editor" data-testid="resident-editor">
      <h2>{isNew ? words.newResident : form.displayName} <small>{residentId}</small></h2>
      <form class="grid" onSubmit={(e) => { e.preventDefault(); void save() }}>
        <label>{m.common.tenant}
          <select name="tenant" value={form.tenant} disabled={!isNew} onChange={(e) => set({ tenant: e.currentTarget.value })}>
            {tenants.map((t) => <option value={t}>{t}</option>)}
          </select>
        </label>
        <label>{m.common.name}<input name="displayName" required value={form.displayName} onInput={(e) => set({ displayName: e.currentTarget.value })} /></label>
        <label>{words.born}<input name="birthYear" type="number" value={form.birthYear} onInput={(e) => set({ birthYear: Number(e.currentTarget.value) })} /></label>
        <label>{m.common.language}<input name="language" value={form.language} pattern="[a-z]{2,3}" title={words.languageTitle} onInput={(e) => set({ language: e.currentTarget.value })} /></label>
        <label>{words.mobility}
          <select name="mobility" value={form.mobility} onChange={(e) => set({ mobility: e.currentTarget.value as Mobility })}>
            {mobilities.map((v) => <option value={v}>{term(m.mobility, v)}</option>)}
          </select>
        </label>
        <label class="check"><input name="dementia" type="checkbox" checked={form.dementia} onChange={(e) => set({ dementia: e.currentTarget.checked })} /> {words.dementia}</label>
        <label>{words.keyAccess}
          <select name="keyKind" value={form.keyAccess.kind} onChange={(e) => {
            const kind = e.currentTarget.value
            set({ keyAccess: kind === "key_safe" ? { kind, code: "" } : kind === "e_lock" ? { kind, lockId: "" } : { kind: "none" } })
          }}>
            {(["key_safe", "e_lock", "none"] as const).map((k) => <option value={k}>{term(words.keyKinds, k)}</option>)}
          </select>
        </label>
        {form.keyAccess.kind === "key_safe"
          ? (
            <label>{words.keySafeCode}
              {/* Write-only: the stored code is never sent back; left empty, it is kept (the operator's card reveals it, audited). */}
              <input
                name="keyCode"
                autocomplete="off"
                value={form.keyAccess.code ?? ""}
                placeholder={isNew ? words.theCode : words.codeUnchanged}
                onInput={(e) => set({ keyAccess: { kind: "key_safe", code: e.currentTarget.value } })}
              />
            </label>
          )
          : form.keyAccess.kind === "e_lock"
          ? <label>{words.eLockId}<input name="lockId" value={form.keyAccess.lockId} onInput={(e) => set({ keyAccess: { kind: "e_lock", lockId: e.currentTarget.value } })} /></label>
          : <span />}
        <label>{words.gpsBasis}
          <select name="gpsLegalBasis" value={form.gpsLegalBasis ?? ""} onChange={(e) => {
            const v = e.currentTarget.value
            setForm(v === "" ? withoutKey(form, "gpsLegalBasis") : { ...form, gpsLegalBasis: v as GpsLegalBasis })
          }}>
            <option value="">{words.noGps}</option>
            <option value="consent">{term(m.gpsBasis, "consent")}</option>
            <option value="decision_4_6a">{words.decisionShort}</option>
          </select>
        </label>
        <label>{words.responsePlan}
          <select name="responsePlanId" value={form.responsePlanId} onChange={(e) => set({ responsePlanId: e.currentTarget.value })}>
            <option value="">{m.common.none}</option>
            {[...new Set((plans.value ?? []).filter((p) => p.tenant === form.tenant).map((p) => p.id))].map((id) => <option value={id}>{id}</option>)}
          </select>
        </label>
        <label class="wide">{words.healthNotes}
          <textarea name="healthNotes" rows={3} value={notesText ?? form.healthNotes.join("\n")} onInput={(e) => setNotesText(e.currentTarget.value)} />
        </label>

        <fieldset class="wide addresses-edit" data-testid="addresses">
          <legend>{words.addresses}</legend>
          {form.addresses.map((a, i) => (
            <div class={`address-row ${a.kind}`} data-kind={a.kind}>
              <select name={`address-${i}-kind`} value={a.kind} onChange={(e) => setAddress(i, { kind: e.currentTarget.value as Address["kind"] })}>
                <option value="home">{term(m.handover.addressKind, "home")}</option><option value="temporary">{term(m.handover.addressKind, "temporary")}</option>
              </select>
              <input name={`address-${i}-street`} placeholder={words.street} required value={a.street} onInput={(e) => setAddress(i, { street: e.currentTarget.value })} />
              <input name={`address-${i}-postcode`} placeholder={words.postcode} required size={6} value={a.postcode} onInput={(e) => setAddress(i, { postcode: e.currentTarget.value })} />
              <input name={`address-${i}-city`} placeholder={words.city} required value={a.city} onInput={(e) => setAddress(i, { city: e.currentTarget.value })} />
              <label>{words.from}<input name={`address-${i}-from`} type="date" value={a.validFrom ?? ""} required={a.kind === "temporary"} onInput={(e) => set({ addresses: form.addresses.map((x, j) => (j === i ? dateOrNone(x, "validFrom", e.currentTarget.value) : x)) })} /></label>
              <label>{words.to}<input name={`address-${i}-to`} type="date" value={a.validTo ?? ""} required={a.kind === "temporary"} onInput={(e) => set({ addresses: form.addresses.map((x, j) => (j === i ? dateOrNone(x, "validTo", e.currentTarget.value) : x)) })} /></label>
              <button type="button" onClick={() => set({ addresses: form.addresses.filter((_, j) => j !== i) })} aria-label={words.removeAddress(i + 1)}>{m.common.remove}</button>
            </div>
          ))}
          <button type="button" data-testid="add-temporary" onClick={() => set({ addresses: [...form.addresses, { kind: "temporary", street: "", postcode: "", city: "" }] })}>
            {words.addTemporary}
          </button>
        </fieldset>
        <div class="wide"><button class="primary" data-testid="save-resident">{words.saveResident}</button></div>
      </form>
      <Status saved={saved} error={error} />

      {isNew ? null : (
        <>
          <h3>{words.contacts}</h3>
          <div class="contacts-edit" data-testid="contacts-edit">
            {contacts.map((c, i) => (
              <div class="contact-row">
                <span class="n">{i + 1}.</span>
                <input aria-label={m.common.name} value={c.name} onInput={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))} />
                <input aria-label={words.relation} value={c.relation} onInput={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, relation: e.currentTarget.value } : x)))} />
                <input aria-label={words.phone} value={c.phone} onInput={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, phone: e.currentTarget.value } : x)))} />
                <label class="check"><input type="checkbox" checked={c.keyholder} onChange={(e) => setContacts(contacts.map((x, j) => (j === i ? { ...x, keyholder: e.currentTarget.checked } : x)))} /> {words.keyholder}</label>
                <button type="button" onClick={() => move(i, -1)} aria-label={words.callEarlier}>↑</button>
                <button type="button" onClick={() => move(i, 1)} aria-label={words.callLater}>↓</button>
                <button type="button" onClick={() => setContacts(contacts.filter((_, j) => j !== i))}>{m.common.remove}</button>
              </div>
            ))}
            <button type="button" onClick={() => setContacts([...contacts, { name: "", relation: "", phone: "", keyholder: false }])}>{words.addContact}</button>
            <button type="button" class="primary" onClick={() => void saveContacts()}>{words.saveContacts}</button>
          </div>
          <h3>{words.devices}</h3>
          <DeviceTable devices={own} onSaved={() => void devices.reload()} />
          <NewDevice tenant={form.tenant} residentId={residentId} onSaved={() => void devices.reload()} />
        </>
      )}
    </div>
  )
}
