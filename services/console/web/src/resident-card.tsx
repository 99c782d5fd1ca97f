import { useState } from "preact/hooks"
import { api, type Incident, type Resident } from "./api.ts"

const today = () => new Date().toISOString().slice(0, 10)

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
  if (k.kind === "e_lock") return <>E-lock {k.lockId}</>
  if (k.kind !== "key_safe") return <>No key access registered</>
  if (code !== undefined) return <>Key safe, code <strong class="code" data-testid="key-safe-code">{code}</strong> <small>(revealed; recorded in the audit trail)</small></>
  return (
    <>
      Key safe: code hidden{" "}
      <button
        type="button"
        data-testid="reveal-key-safe"
        title="Shows the code; the reveal is recorded in the audit trail"
        onClick={() => api.revealKeySafeCode(resident.id, incident.incidentId).then((r) => setCode(r.code), (e: unknown) => setError(e instanceof Error ? e.message : String(e)))}
      >
        Reveal
      </button>
      {error !== undefined ? <span class="error" role="alert"> {error}</span> : null}
    </>
  )
}

const gpsBasisText: Record<string, string> = {
  consent: "consent from the resident",
  decision_4_6a: "decision under pasient- og brukerrettighetsloven § 4-6 a"
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
  const on = today()
  const plan = planFor(resident, incident.alarmType)
  return (
    <section class="card resident" data-testid="resident-card">
      <h2>{resident.displayName} <small>born {resident.birthYear} · {resident.id}</small></h2>
      <dl>
        <dt>Language</dt><dd data-testid="language">{resident.language}</dd>
        <dt>Mobility</dt><dd>{resident.mobility.replace(/_/g, " ")}{resident.dementia ? " · dementia" : ""}</dd>
        <dt>Key access</dt><dd data-testid="key-access"><KeyAccess resident={resident} incident={incident} /></dd>
        {resident.gpsLegalBasis !== undefined
          ? <><dt>GPS tracking</dt><dd>legal basis: {gpsBasisText[resident.gpsLegalBasis] ?? resident.gpsLegalBasis}</dd></>
          : null}
      </dl>
      <h3>Addresses</h3>
      <ul class="addresses">
        {resident.addresses.map((a) => (
          <li class={`${a.kind} ${isCurrent(a, on) ? "current" : ""}`} data-kind={a.kind}>
            {a.kind === "temporary" ? <strong class="tag temporary">TEMPORARY</strong> : <span class="tag">home</span>}{" "}
            {a.street}, {a.postcode} {a.city}
            {a.validFrom !== undefined || a.validTo !== undefined ? <small> ({a.validFrom ?? "…"} – {a.validTo ?? "…"})</small> : null}
          </li>
        ))}
      </ul>
      <h3>Emergency health notes</h3>
      {resident.healthNotes.length === 0 ? <p class="muted">none recorded</p> : (
        <ul class="health">{resident.healthNotes.map((n) => <li>{n}</li>)}</ul>
      )}
      <h3>Contacts, in calling order</h3>
      <ol class="contacts" data-testid="contacts">
        {resident.contacts.map((c) => (
          <li>{c.name} <small>({c.relation})</small> <a href={`tel:${c.phone}`}>{c.phone}</a>{c.keyholder ? <span class="tag keyholder">keyholder</span> : null}</li>
        ))}
      </ol>
      <h3>Devices</h3>
      <ul class="devices">
        {resident.devices.map((d) => (
          <li class={d.active ? "" : "inactive"}>{d.type.replace(/_/g, " ")}{d.sensor !== undefined ? ` (${d.sensor})` : ""} — {d.placement} <small>{d.id}</small></li>
        ))}
      </ul>
      <h3>Response plan{plan !== undefined ? `: ${plan.title}` : ""}</h3>
      {plan === undefined ? <p class="muted">No plan for this alarm type.</p> : (
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
