import type { DeviceType } from "@wt/contracts"
import { useState } from "preact/hooks"
import { api, type DeviceRecord } from "./api.ts"
import { errorText, useLoad } from "./admin-common.tsx"
import { DeviceIdentities } from "./admin-identities.tsx"
import { t, term } from "./i18n.ts"

type SensorKind = NonNullable<DeviceRecord["sensor"]>

// The registry's device types, in the order offered; the record fails to compile when the model gains or loses one.
const deviceTypes = Object.keys({ safety_alarm: true, sensor: true, gps: true, medication: true } satisfies Record<DeviceType, true>) as ReadonlyArray<DeviceType>

export const DeviceTable = ({ devices, onSaved }: { readonly devices: ReadonlyArray<DeviceRecord>; readonly onSaved: () => void }) => {
  // The device whose protocol identities are open below its row.
  const [open, setOpen] = useState<string | undefined>()
  const h = t().admin.deviceHeaders
  return (
    <table class="admin-list" data-testid="device-table">
      <thead><tr><th>{t().common.id}</th><th>{h.type}</th><th>{h.resident}</th><th>{h.placement}</th><th>{h.heartbeat}</th><th>{h.active}</th><th></th></tr></thead>
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
      .then(() => { setNote(t().common.saved); onSaved() }, (e: unknown) => setNote(errorText(e)))
  }
  const m = t()
  return (
    <>
    <tr data-device={device.id}>
      <td>{device.id}</td>
      <td>{term(m.deviceType, device.type)}{device.sensor !== undefined ? ` (${term(m.sensor, device.sensor)})` : ""}</td>
      <td>{device.residentId}</td>
      <td><input aria-label={m.admin.placement} value={placement} onInput={(e) => setPlacement(e.currentTarget.value)} /></td>
      <td><input aria-label={m.admin.heartbeat} type="number" min={10} value={heartbeat} onInput={(e) => setHeartbeat(Number(e.currentTarget.value))} /></td>
      <td><input aria-label={m.admin.active} type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} /></td>
      <td>
        <button onClick={save}>{m.common.save}</button>{" "}
        <button onClick={onIdentities} aria-expanded={identitiesOpen} data-testid="open-identities">{m.admin.identities}</button> <small>{note}</small>
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
  const [type, setType] = useState<DeviceType>("sensor")
  const [sensor, setSensor] = useState("motion")
  const [placement, setPlacement] = useState("")
  const [note, setNote] = useState<string | undefined>()
  const m = t()
  return (
    <form class="new-device" onSubmit={(e) => {
      e.preventDefault()
      api.admin.putDevice(id.trim(), {
        tenant, residentId, type, placement, heartbeatIntervalS: 60, active: true,
        ...(type === "sensor" ? { sensor: sensor as SensorKind } : {}),
        ...(type === "safety_alarm" ? { triggers: ["button", "pendant", "pull_cord"] } : {})
      }).then(() => { setNote(m.admin.deviceAdded(id)); setId(""); onSaved() }, (err: unknown) => setNote(errorText(err)))
    }}>
      <strong>{m.admin.addDevice}</strong>
      <input placeholder={m.admin.deviceId} required value={id} onInput={(e) => setId(e.currentTarget.value)} />
      <select value={type} onChange={(e) => setType(e.currentTarget.value as typeof type)}>
        {deviceTypes.map((d) => <option value={d}>{term(m.deviceType, d)}</option>)}
      </select>
      {type === "sensor"
        ? <select value={sensor} onChange={(e) => setSensor(e.currentTarget.value)}>
          {["bed", "motion", "door", "smoke", "heat", "water", "epilepsy", "e_lock"].map((s) => <option value={s}>{term(m.sensor, s)}</option>)}
        </select>
        : null}
      <input placeholder={m.admin.placementPlaceholder} required value={placement} onInput={(e) => setPlacement(e.currentTarget.value)} />
      <button>{m.common.add}</button> <small>{note}</small>
    </form>
  )
}

export const DeviceList = () => {
  const { value, error, reload } = useLoad(() => api.admin.devices(), [])
  const [filter, setFilter] = useState("")
  const m = t().admin
  if (error !== undefined) return <p class="error">{error}</p>
  if (value === undefined) return <p>{m.loadingDevices}</p>
  const shown = value.filter((d) => `${d.id} ${d.residentId} ${d.placement}`.toLowerCase().includes(filter.toLowerCase())).slice(0, 200)
  return (
    <>
      <div class="toolbar"><input placeholder={m.findDevice} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} /> <span class="muted">{m.deviceCount(value.length)}</span></div>
      <DeviceTable devices={shown} onSaved={() => void reload()} />
    </>
  )
}
