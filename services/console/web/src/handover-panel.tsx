import { useState } from "preact/hooks"
import type { ConfirmedAddress, Handover } from "@wt/contracts"
import type { Incident, Resident } from "./api.ts"
import { clock } from "./format.ts"
import { handoverApi } from "./handover-api.ts"

const stepLabel: Record<string, string> = { offer: "answer to the offer", start: "setting out", arrival: "arrival", visit: "end of visit" }
const openStages = new Set(["requested", "offered", "accepted", "en_route", "on_site"])

/** "1:05 left", or "overdue 0:12": the time to a step's deadline, counting down. */
export const countdown = (deadline: string, now: number) => {
  const ms = Date.parse(deadline) - now
  const s = Math.floor(Math.abs(ms) / 1000)
  const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
  return ms >= 0 ? `${text} left` : `overdue ${text}`
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
  if ((incident.agencies ?? []).includes("110")) marks.push(<span class="mark agency" title="fire service alerted">110</span>)
  if (h !== undefined && openStages.has(h.stage)) {
    marks.push(
      <span class={`mark handover ${handoverOverdue(incident, now) ? "overdue" : ""}`} data-testid="handover-mark" title={h.deadline ? countdown(h.deadline, now) : ""}>
        {h.stage.replace(/_/g, " ")}{h.deadline !== undefined && Date.parse(h.deadline) < now ? " overdue" : ""}
      </span>
    )
  }
  if (wrongPlace) marks.push(<span class="mark overdue">wrong address</span>)
  return <>{marks}</>
}

const addressesOf = (resident: Resident | undefined, now: number): ReadonlyArray<ConfirmedAddress> => {
  const day = new Date(now).toISOString().slice(0, 10)
  const usable = (resident?.addresses ?? []).filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon))
  // A temporary address valid today first: the failure this prevents is care sent to the old one.
  const valid = usable.filter((a) => a.kind === "home" || ((a.validFrom ?? day) <= day && day <= (a.validTo ?? day)))
  return [...valid].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "temporary" ? -1 : 1))
    .map((a) => ({ kind: a.kind, street: a.street, postcode: a.postcode, city: a.city, lat: a.lat, lon: a.lon }))
}

const Steps = ({ h, now }: { readonly h: Handover; readonly now: number }) => {
  const order = ["requested", "offered", "accepted", "en_route", "on_site", "completed"]
  const reached = order.indexOf(h.stage)
  return (
    <ol class="handover-steps" data-testid="handover-steps">
      {order.map((stage, i) => (
        <li class={i < reached ? "done" : i === reached ? "current" : "todo"} data-stage={stage}>
          {stage.replace(/_/g, " ")}
          {stage === "offered" && h.team !== undefined && i <= reached ? ` · ${h.team.name} (offer ${h.offerNo})` : ""}
          {stage === "accepted" && h.responder !== undefined && i <= reached ? ` · ${h.responder.name}${h.eta ? `, ETA ${clock(h.eta)}` : ""}` : ""}
          {stage === "on_site" && h.onSite !== undefined
            ? h.onSite.atConfirmedAddress
              ? ` · ${h.onSite.distanceM} m from the address`
              : <strong class="overdue"> · WRONG ADDRESS: {h.onSite.distanceM} m from the confirmed address</strong>
            : ""}
          {i === reached && h.deadline !== undefined
            ? <span class={`timer ${Date.parse(h.deadline) < now ? "overdue" : ""}`} data-testid="handover-timer"> — {stepLabel[h.step ?? ""] ?? "deadline"}: {countdown(h.deadline, now)}</span>
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
  return (
    <section class="handover" data-testid="handover-panel">
      <h2>Call-out</h2>
      {(incident.agencies ?? []).map((a) => <p class="agency-line">Alerted {a === "110" ? "fire service (110)" : a === "113" ? "ambulance (113)" : "police (112)"}</p>)}
      {incident.fireService === true && !(incident.agencies ?? []).includes("110") ? <p class="overdue">Alerting the fire service…</p> : null}
      {h !== undefined
        ? (
          <div>
            <p>
              Call-out {h.no} to <strong>{h.address.street}, {h.address.postcode} {h.address.city}</strong> ({h.address.kind}) — {h.reason}
            </p>
            {h.stage === "returned" || h.stage === "cancelled"
              ? <p class="overdue" data-testid="handover-returned">Back with the operator: {h.returnedReason ?? h.stage}</p>
              : <Steps h={h} now={now} />}
            {h.stage === "completed" && h.outcome !== undefined ? <p>Outcome: {h.outcome}</p> : null}
            {h.tried.length > 0 ? <p class="muted">Did not take it: {h.tried.join(", ")}</p> : null}
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
            <label>Confirm the address with the caller</label>
            <select name="address" value={choice} onChange={(e) => setChoice(Number(e.currentTarget.value))}>
              {choices.map((a, i) => <option value={i}>{a.kind === "temporary" ? "TEMPORARY: " : "home: "}{a.street}, {a.postcode} {a.city}</option>)}
            </select>
            <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="reason for the call-out" />
            <button class="primary" disabled={choices.length === 0}>Dispatch home care</button>
          </form>
        )
        : null}
      {open ? <button onClick={() => void run(() => handoverApi.cancel(incident.incidentId, "cancelled by the operator"))}>Cancel call-out</button> : null}
      {c !== undefined
        ? (
          <div class="cascade" data-testid="cascade">
            <h3>Next of kin ({c.stage})</h3>
            <ol>
              {c.contacts.map((contact, i) => (
                <li class={i < c.current ? "done" : i === c.current && c.stage === "calling" ? "current" : "todo"}>
                  {contact.name} ({contact.relation}{contact.keyholder ? ", keyholder" : ""})
                  {c.acceptedBy === contact.position ? " — accepted" : i < c.current ? " — no answer" : ""}
                  {i === c.current && c.calling && c.deadline !== undefined
                    ? (
                      <span>
                        <span class={`timer ${Date.parse(c.deadline) < now ? "overdue" : ""}`}> — {countdown(c.deadline, now)}</span>
                        <button onClick={() => void run(() => handoverApi.contactAnswer(incident.incidentId, contact.position, true))}>Answered: coming</button>
                        <button onClick={() => void run(() => handoverApi.contactAnswer(incident.incidentId, contact.position, false))}>Cannot come</button>
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
