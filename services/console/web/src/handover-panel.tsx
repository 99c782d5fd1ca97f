import { useState } from "preact/hooks"
import type { ConfirmedAddress, Handover } from "@wt/contracts"
import type { Incident, Resident } from "./api.ts"
import { hourMinute, num, osloDay } from "./format.ts"
import { handoverApi } from "./handover-api.ts"
import { t, term } from "./i18n.ts"
import { hasCoordinates } from "./coordinates.ts"

const openStages = new Set(["requested", "offered", "accepted", "en_route", "on_site"])

/** "1:05 left", or "overdue 0:12": the time to a step's deadline, counting down. */
export const countdown = (deadline: string, now: number) => {
  const ms = Date.parse(deadline) - now
  const s = Math.floor(Math.abs(ms) / 1000)
  const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
  return ms >= 0 ? t().handover.left(text) : t().handover.overdue(text)
}

/** True when the running handover step, or the contact being called, is past its deadline. */
export const handoverOverdue = (incident: Incident, now: number) => {
  const h = incident.handover
  const stepLate = h !== undefined && openStages.has(h.stage) && h.deadline !== undefined && Date.parse(h.deadline) < now
  const callLate = incident.cascade?.stage === "calling" && incident.cascade.deadline !== undefined && Date.parse(incident.cascade.deadline) < now
  return stepLate || callLate
}

/** The queue row's mark: where the call-out stands, red when a step is overdue or the arrival was at the wrong place. */
export const HandoverMark = ({ incident, now }: { readonly incident: Incident; readonly now: number }) => {
  const h = incident.handover
  const wrongPlace = h?.onSite?.atConfirmedAddress === false && h.stage === "on_site"
  const marks = []
  const m = t().handover
  if ((incident.agencies ?? []).includes("110")) marks.push(<span class="mark agency" title={m.fireServiceTitle}>110</span>)
  if (h !== undefined && openStages.has(h.stage)) {
    marks.push(
      <span class={`mark handover ${handoverOverdue(incident, now) ? "overdue" : ""}`} data-testid="handover-mark" title={h.deadline ? countdown(h.deadline, now) : ""}>
        {term(m.stage, h.stage)}{h.deadline !== undefined && Date.parse(h.deadline) < now ? m.overdueMark : ""}
      </span>
    )
  }
  if (wrongPlace) marks.push(<span class="mark overdue">{m.wrongAddressMark}</span>)
  return <>{marks}</>
}

const addressesOf = (resident: Resident | undefined, now: number): ReadonlyArray<ConfirmedAddress> => {
  const day = osloDay(now)
  const usable = (resident?.addresses ?? []).filter(hasCoordinates)
  // A temporary address valid today first: the failure this prevents is care sent to the old one.
  const valid = usable.filter((a) => a.kind === "home" || ((a.validFrom ?? day) <= day && day <= (a.validTo ?? day)))
  return [...valid].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "temporary" ? -1 : 1))
    .map((a) => ({ kind: a.kind, street: a.street, postcode: a.postcode, city: a.city, lat: a.lat, lon: a.lon }))
}

const Steps = ({ h, now }: { readonly h: Handover; readonly now: number }) => {
  const order = ["requested", "offered", "accepted", "en_route", "on_site", "completed"]
  const reached = order.indexOf(h.stage)
  const m = t().handover
  return (
    <ol class="handover-steps" data-testid="handover-steps">
      {order.map((stage, i) => (
        <li class={i < reached ? "done" : i === reached ? "current" : "todo"} data-stage={stage}>
          {term(m.stage, stage)}
          {stage === "offered" && h.team !== undefined && i <= reached ? m.offerOf(h.team.name, h.offerNo ?? 0) : ""}
          {stage === "accepted" && h.responder !== undefined && i <= reached ? ` · ${h.responder.name}${h.eta ? m.eta(hourMinute(h.eta)) : ""}` : ""}
          {stage === "on_site" && h.onSite !== undefined
            ? h.onSite.atConfirmedAddress
              ? m.fromAddress(num(h.onSite.distanceM))
              : <strong class="overdue">{m.wrongAddress(num(h.onSite.distanceM))}</strong>
            : ""}
          {i === reached && h.deadline !== undefined
            ? <span class={`timer ${Date.parse(h.deadline) < now ? "overdue" : ""}`} data-testid="handover-timer"> — {m.step[h.step ?? ""] ?? m.deadline}: {countdown(h.deadline, now)}</span>
            : null}
        </li>
      ))}
    </ol>
  )
}

interface Props {
  readonly incident: Incident
  readonly resident: Resident | undefined
  readonly now: number
  readonly run: (command: () => Promise<Incident>) => Promise<void>
}

/** The call-out: request it to a confirmed address, follow each step and its timer live, and the next-of-kin calls. */
export const HandoverPanel = ({ incident, resident, now, run }: Props) => {
  const choices = addressesOf(resident, now)
  const [choice, setChoice] = useState(0)
  const [reason, setReason] = useState("")
  const h = incident.handover
  const open = h !== undefined && openStages.has(h.stage)
  const ended = ["resolved", "closed", "cancelled", "merged"].includes(incident.status)
  const c = incident.cascade
  const m = t().handover
  return (
    <section class="handover" data-testid="handover-panel">
      <h2>{m.title}</h2>
      {(incident.agencies ?? []).map((a) => <p class="agency-line">{m.alerted(m.agency[a] ?? a)}</p>)}
      {incident.fireService === true && !(incident.agencies ?? []).includes("110") ? <p class="overdue">{m.alertingFire}</p> : null}
      {h !== undefined
        ? (
          <div>
            <p>
              {m.callOutTo(h.no)} <strong>{h.address.street}, {h.address.postcode} {h.address.city}</strong> ({term(m.addressKind, h.address.kind)}) — {h.reason}
            </p>
            {h.stage === "returned" || h.stage === "cancelled"
              ? <p class="overdue" data-testid="handover-returned">{m.backWithOperator(h.returnedReason ?? term(m.stage, h.stage))}</p>
              : <Steps h={h} now={now} />}
            {h.stage === "completed" && h.outcome !== undefined ? <p>{m.outcome(h.outcome)}</p> : null}
            {h.tried.length > 0 ? <p class="muted">{m.didNotTake(h.tried.join(", "))}</p> : null}
          </div>
        )
        : null}
      {!ended && !open && incident.claimedBy !== undefined
        ? (
          <form class="dispatch" onSubmit={(e) => {
            e.preventDefault()
            const address = choices[choice]
            if (address !== undefined && reason.trim() !== "") void run(() => handoverApi.dispatch(incident.incidentId, address, reason.trim()))
          }}>
            <label>{m.confirmAddress}</label>
            <select name="address" value={choice} onChange={(e) => setChoice(Number(e.currentTarget.value))}>
              {choices.map((a, i) => <option value={i}>{a.kind === "temporary" ? m.temporaryOption : m.homeOption}{a.street}, {a.postcode} {a.city}</option>)}
            </select>
            <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder={m.reasonPlaceholder} />
            <button class="primary" disabled={choices.length === 0}>{m.dispatch}</button>
          </form>
        )
        : null}
      {open ? <button onClick={() => void run(() => handoverApi.cancel(incident.incidentId, m.cancelledByOperator))}>{m.cancelCallOut}</button> : null}
      {c !== undefined
        ? (
          <div class="cascade" data-testid="cascade">
            <h3>{m.nextOfKin(term(m.cascadeStage, c.stage))}</h3>
            <ol>
              {c.contacts.map((contact, i) => (
                <li class={i < c.current ? "done" : i === c.current && c.stage === "calling" ? "current" : "todo"}>
                  {contact.name} ({contact.relation}{contact.keyholder ? m.keyholderSuffix : ""})
                  {c.acceptedBy === contact.position ? m.accepted : i < c.current ? m.noAnswer : ""}
                  {i === c.current && c.calling && c.deadline !== undefined
                    ? (
                      <span>
                        <span class={`timer ${Date.parse(c.deadline) < now ? "overdue" : ""}`}> — {countdown(c.deadline, now)}</span>
                        <button onClick={() => void run(() => handoverApi.contactAnswer(incident.incidentId, contact.position, true))}>{m.coming}</button>
                        <button onClick={() => void run(() => handoverApi.contactAnswer(incident.incidentId, contact.position, false))}>{m.cannotCome}</button>
                      </span>
                    )
                    : null}
                </li>
              ))}
            </ol>
          </div>
        )
        : null}
    </section>
  )
}
