import { useState } from "preact/hooks"
import { api, type DeviceRecord } from "./api.ts"
import { errorText, useLoad } from "./admin-common.tsx"
import { DeviceIdentities } from "./admin-identities.tsx"

type SensorKind = NonNullable<DeviceRecord["sensor"]>

export const DeviceTable = ({ devices, onSaved }: { readonly devices: ReadonlyArray<DeviceRecord>; readonly onSaved: () => void }) => {
  // The device whose protocol identities are open below its row.
  const [open, setOpen] = useState<string | undefined>()
  return (
    <table class="admin-list" data-testid="device-table">
      <thead><tr><th>Id</th><th>Type</th><th>Resident</th><th>Placement</th><th>Heartbeat (s)</th><th>Active</th><th></th></tr></thead>
      <tbody>
        {devices.map((d) => {
          const key = `${d.tenant}/${d.id}`
          return (
            <DeviceRow key={key} device={d} onSaved={onSaved} identitiesOpen={open === key} onIdentities={() => setOpen(open === key ? undefined : key)} />
          )
        })}
      </tbody>
    </table>
  )
}

const DeviceRow = ({ device, onSaved, identitiesOpen, onIdentities }: {
  readonly device: DeviceRecord
  readonly onSaved: () => void
  readonly identitiesOpen: boolean
  readonly onIdentities: () => void
}) => {
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
    <>
    <tr data-device={device.id}>
      <td>{device.id}</td>
      <td>{device.type.replace(/_/g, " ")}{device.sensor !== undefined ? ` (${device.sensor})` : ""}</td>
      <td>{device.residentId}</td>
      <td><input aria-label="placement" value={placement} onInput={(e) => setPlacement(e.currentTarget.value)} /></td>
      <td><input aria-label="heartbeat interval" type="number" min={10} value={heartbeat} onInput={(e) => setHeartbeat(Number(e.currentTarget.value))} /></td>
      <td><input aria-label="active" type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} /></td>
      <td>
        <button onClick={save}>Save</button>{" "}
        <button onClick={onIdentities} aria-expanded={identitiesOpen} data-testid="open-identities">Identities</button> <small>{note}</small>
      </td>
    </tr>
    {identitiesOpen
      ? <tr class="identities-row" data-identities-of={device.id}><td colSpan={7}><DeviceIdentities tenant={device.tenant} deviceId={device.id} /></td></tr>
      : null}
    </>
  )
}

export const NewDevice = ({ tenant, residentId, onSaved }: { readonly tenant: string; readonly residentId: string; readonly onSaved: () => void }) => {
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

export const DeviceList = () => {
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
