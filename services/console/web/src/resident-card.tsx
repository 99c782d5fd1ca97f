import { useState } from "preact/hooks"
import { api, type Incident, type Resident } from "./api.ts"
import { date, osloDay } from "./format.ts"
import { t, term } from "./i18n.ts"
import { hasPlace, PositionMap } from "./position-map.tsx"

const isCurrent = (a: { readonly validFrom?: string; readonly validTo?: string }, on: string) =>
  (a.validFrom === undefined || a.validFrom <= on) && (a.validTo === undefined || on <= a.validTo)

/**
 * How the home is entered. A key safe's code is not part of the record: it is fetched only when
 * the operator asks (to tell a keyholder or the fire service), and each reveal is audited.
 */
const KeyAccess = ({ resident, incident }: { readonly resident: Resident; readonly incident: Incident }) => {
  const [code, setCode] = useState<string | undefined>()
  const [error, setError] = useState<string | undefined>()
  const k = resident.keyAccess
  const m = t().card
  if (k.kind === "e_lock") return <>{m.eLock(k.lockId)}</>
  if (k.kind !== "key_safe") return <>{m.noKeyAccess}</>
  if (code !== undefined) return <>{m.keySafeCode} <strong class="code" data-testid="key-safe-code">{code}</strong> <small>{m.revealedNote}</small></>
  return (
    <>
      {m.keySafeHidden}{" "}
      <button
        type="button"
        data-testid="reveal-key-safe"
        title={m.revealTitle}
        onClick={() => api.revealKeySafeCode(resident.id, incident.incidentId).then((r) => setCode(r.code), (e: unknown) => setError(e instanceof Error ? e.message : String(e)))}
      >
        {m.reveal}
      </button>
      {error !== undefined ? <span class="error" role="alert"> {error}</span> : null}
    </>
  )
}

/**
 * The plan entry for this alarm type: the exact label ("safety_alarm:fall_detector") first,
 * then the event type alone ("safety_alarm") as the fallback the registry provides.
 */
export const planFor = (resident: Resident, alarmType: string) =>
  resident.responsePlan.find((p) => p.alarmType === alarmType)
    ?? resident.responsePlan.find((p) => p.alarmType === alarmType.split(":")[0])

/** Everything about the resident an operator needs in an emergency. Reading it is audited. */
export const ResidentCard = ({ resident, incident, checked, onCheck }: {
  readonly resident: Resident
  readonly incident: Incident
  readonly checked: ReadonlySet<number>
  readonly onCheck: (step: number) => void
}) => {
  const on = osloDay()
  const plan = planFor(resident, incident.alarmType)
  const m = t()
  // Where the person is matters first for a GPS alarm; otherwise the map follows the devices.
  const gpsAlarm = incident.alarmType.startsWith("gps")
  const map = hasPlace(resident) ? <PositionMap resident={resident} incident={incident} /> : null
  return (
    <section class="card resident" data-testid="resident-card">
      <h2>{resident.displayName} <small>{m.card.born(resident.birthYear)} · {resident.id}</small></h2>
      <dl>
        <dt>{m.card.language}</dt><dd data-testid="language">{resident.language}</dd>
        <dt>{m.card.mobility}</dt><dd>{term(m.mobility, resident.mobility)}{resident.dementia ? ` · ${m.card.dementia}` : ""}</dd>
        <dt>{m.card.keyAccess}</dt><dd data-testid="key-access"><KeyAccess resident={resident} incident={incident} /></dd>
        {resident.gpsLegalBasis !== undefined
          ? <><dt>{m.card.gps}</dt><dd>{m.card.legalBasis(term(m.gpsBasis, resident.gpsLegalBasis))}</dd></>
          : null}
      </dl>
      {gpsAlarm ? map : null}
      <h3>{m.card.addresses}</h3>
      <ul class="addresses">
        {resident.addresses.map((a) => (
          <li class={`${a.kind} ${isCurrent(a, on) ? "current" : ""}`} data-kind={a.kind}>
            {a.kind === "temporary" ? <strong class="tag temporary">{m.card.temporary}</strong> : <span class="tag">{m.card.home}</span>}{" "}
            {a.street}, {a.postcode} {a.city}
            {a.validFrom !== undefined || a.validTo !== undefined ? <small> ({a.validFrom === undefined ? "…" : date(a.validFrom)} – {a.validTo === undefined ? "…" : date(a.validTo)})</small> : null}
          </li>
        ))}
      </ul>
      <h3>{m.card.healthNotes}</h3>
      {resident.healthNotes.length === 0 ? <p class="muted">{m.card.noneRecorded}</p> : (
        <ul class="health">{resident.healthNotes.map((n) => <li>{n}</li>)}</ul>
      )}
      <h3>{m.card.contacts}</h3>
      <ol class="contacts" data-testid="contacts">
        {resident.contacts.map((c) => (
          <li>{c.name} <small>({c.relation})</small> <a href={`tel:${c.phone}`}>{c.phone}</a>{c.keyholder ? <span class="tag keyholder">{m.card.keyholder}</span> : null}</li>
        ))}
      </ol>
      <h3>{m.card.devices}</h3>
      <ul class="devices">
        {resident.devices.map((d) => (
          <li class={d.active ? "" : "inactive"}>{term(m.deviceType, d.type)}{d.sensor !== undefined ? ` (${term(m.sensor, d.sensor)})` : ""} — {d.placement} <small>{d.id}</small></li>
        ))}
      </ul>
      {gpsAlarm ? null : map}
      <h3>{m.card.plan}{plan !== undefined ? `: ${plan.title}` : ""}</h3>
      {plan === undefined ? <p class="muted">{m.card.noPlan}</p> : (
        <ol class="plan" data-testid="plan">
          {plan.steps.map((step, i) => (
            <li>
              <label><input type="checkbox" checked={checked.has(i)} onChange={() => onCheck(i)} /> {step}</label>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
