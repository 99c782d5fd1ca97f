import type { Incident } from "./api.ts"
import { alarmLabel, clock } from "./format.ts"

type Signal = NonNullable<Incident["signals"]>[number]

/**
 * What joined an incident besides its headline (its most urgent signal, whose alarm type the
 * incident carries): every other kind of signal, most recently joined first. A record stored
 * before headlines has none listed.
 */
export const joinedSignals = (incident: Incident): ReadonlyArray<Signal> => {
  const head = incident.headline ?? { alarmType: incident.alarmType, deviceId: undefined }
  return (incident.signals ?? [])
    .filter((s) => !(s.alarmType === head.alarmType && (head.deviceId === undefined || s.deviceId === head.deviceId)))
    .reverse()
}

const times = (count: number) => (count > 1 ? ` ×${count}` : "")

/** Beneath the headline on a queue row: what joined it, in short. */
export const JoinedInRow = ({ incident }: { readonly incident: Incident }) => {
  const joined = joinedSignals(incident)
  if (joined.length === 0) return null
  return (
    <div class="joined" data-testid="joined">
      {joined.map((s) => <span class="signal" data-alarm-type={s.alarmType} key={`${s.alarmType} ${s.deviceId}`}>+ {alarmLabel(s.alarmType)}{times(s.count)}</span>)}
    </div>
  )
}

/** Beneath the headline of an incident: each signal that joined it, with its priority, device and when it last came. */
export const JoinedInIncident = ({ incident }: { readonly incident: Incident }) => {
  const joined = joinedSignals(incident)
  if (joined.length === 0) return null
  return (
    <ul class="joined" data-testid="joined">
      {joined.map((s) => (
        <li data-alarm-type={s.alarmType} key={`${s.alarmType} ${s.deviceId}`}>
          <span class={`badge ${s.priority}`}>{s.priority}</span> {alarmLabel(s.alarmType)}{times(s.count)} · {s.deviceId} · {clock(s.lastAt)}
        </li>
      ))}
    </ul>
  )
}
