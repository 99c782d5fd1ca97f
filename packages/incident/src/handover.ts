import { Result } from "effect"
import type { Handover, IncidentCommand, IncidentEvent, IncidentState, Owner } from "@wt/contracts"
import { ActiveStatuses, OpenHandoverStages } from "@wt/contracts"
import { HandoverConflict, IncidentEnded, type IncidentRejected, NotOwner } from "./errors.ts"
import { distanceM } from "./geo.ts"

type Decision = Result.Result<ReadonlyArray<IncidentEvent>, IncidentRejected>
const none: Decision = Result.succeed([])
const one = (event: IncidentEvent): Decision => Result.succeed([event])

export type HandoverCommand = Extract<IncidentCommand, {
  type:
    | "request_handover"
    | "offer_handover"
    | "accept_handover"
    | "reject_handover"
    | "time_out_handover"
    | "return_handover"
    | "report_en_route"
    | "report_on_site"
    | "complete_handover"
    | "cancel_handover"
    | "notify_agency"
    | "start_contact_cascade"
    | "call_next_contact"
    | "answer_contact"
    | "time_out_contact"
    | "end_contact_cascade"
}>

export const handoverCommandTypes: ReadonlySet<string> = new Set<HandoverCommand["type"]>([
  "request_handover",
  "offer_handover",
  "accept_handover",
  "reject_handover",
  "time_out_handover",
  "return_handover",
  "report_en_route",
  "report_on_site",
  "complete_handover",
  "cancel_handover",
  "notify_agency",
  "start_contact_cascade",
  "call_next_contact",
  "answer_contact",
  "time_out_contact",
  "end_contact_cascade"
])

export const isHandoverOpen = (h: Handover | undefined): h is Handover => h !== undefined && OpenHandoverStages.includes(h.stage)

const plusSeconds = (at: string, seconds: number) => new Date(Date.parse(at) + seconds * 1000).toISOString()
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b)

/**
 * The handover protocol and the contact cascade. Every command names the exact offer,
 * step or contact it is about, so a retried, late or duplicated command (a second copy
 * of dispatch, a timer firing again after a restart) decides nothing new.
 */
export const decideHandover = (command: HandoverCommand, state: IncidentState): Decision => {
  const ids = { incidentId: state.incidentId, tenant: state.tenant, at: command.at }
  const conflict = (message: string) => Result.fail(new HandoverConflict({ incidentId: state.incidentId, message }))
  const active = ActiveStatuses.includes(state.status)
  const ended = () => Result.fail(new IncidentEnded({ incidentId: state.incidentId, status: state.status }))
  const h = state.handover
  const c = state.cascade

  switch (command.type) {
    case "request_handover": {
      if (!active) return ended()
      if (state.claimedBy === undefined) {
        return Result.fail(new NotOwner({ incidentId: state.incidentId, message: "claim the incident before dispatching" }))
      }
      if (isHandoverOpen(h)) {
        const same = h.requestedBy.id === command.by.id && JSON.stringify(h.address) === JSON.stringify(command.address)
        return same ? none : conflict(`call-out ${h.no} is already ${h.stage}`)
      }
      return one({ type: "handover_requested", ...ids, by: command.by, reason: command.reason, address: command.address })
    }
    case "offer_handover": {
      if (!active || h === undefined || h.stage !== "requested" || h.offerNo !== command.offerNo - 1) return none
      // Fire and smoke: the fire service first, never after a visit.
      if (state.fireService === true && !(state.agencies ?? []).includes("110")) {
        return conflict("the fire service must be alerted before a home-care offer")
      }
      return one({
        type: "handover_offered",
        ...ids,
        offerNo: command.offerNo,
        team: command.team,
        address: h.address,
        criticalNotes: command.criticalNotes,
        access: command.access,
        reason: h.reason,
        timeouts: command.timeouts,
        deadline: plusSeconds(command.at, command.timeouts.offerS)
      })
    }
    case "accept_handover": {
      if (!active) return ended()
      if (h === undefined) return conflict("no call-out")
      if (h.offerNo === command.offerNo && h.responder?.id === command.responder.id && h.stage !== "offered") return none
      if (h.stage !== "offered" || h.offerNo !== command.offerNo) return conflict("the offer is no longer open")
      if (h.team?.id !== command.responder.teamId) return conflict("the offer is for another team")
      return one({
        type: "handover_accepted",
        ...ids,
        offerNo: command.offerNo,
        responder: command.responder,
        eta: command.eta,
        deadline: plusSeconds(command.at, h.timeouts?.startS ?? 0)
      })
    }
    case "reject_handover": {
      if (!active) return ended()
      if (h === undefined) return conflict("no call-out")
      if (h.offerNo === command.offerNo && h.stage === "requested" && h.tried.includes(command.responder.teamId)) return none
      if (h.stage !== "offered" || h.offerNo !== command.offerNo) return conflict("the offer is no longer open")
      if (h.team?.id !== command.responder.teamId) return conflict("the offer is for another team")
      return one({ type: "handover_rejected", ...ids, offerNo: command.offerNo, responder: command.responder, reason: command.reason })
    }
    case "time_out_handover": {
      if (!active || !isHandoverOpen(h) || h.offerNo !== command.offerNo || h.step !== command.step || h.deadline === undefined) return none
      if (Date.parse(command.at) < Date.parse(h.deadline)) return none
      return one({ type: "handover_timed_out", ...ids, step: command.step, offerNo: command.offerNo, deadline: h.deadline })
    }
    case "return_handover": {
      if (!active || h?.stage !== "requested") return none
      return one({ type: "handover_returned", ...ids, reason: command.reason })
    }
    case "report_en_route": {
      if (!active) return ended()
      if (h === undefined || h.responder?.id !== command.responder.id) return conflict("not the assigned responder")
      if (h.stage === "en_route" || h.stage === "on_site" || h.stage === "completed") return none
      if (h.stage !== "accepted") return conflict(`the call-out is ${h.stage}`)
      const from = later(h.eta ?? command.at, command.at)
      return one({ type: "responder_en_route", ...ids, responder: command.responder, deadline: plusSeconds(from, h.timeouts?.arrivalGraceS ?? 0) })
    }
    case "report_on_site": {
      if (!active) return ended()
      if (h === undefined || h.responder?.id !== command.responder.id) return conflict("not the assigned responder")
      if (h.stage === "on_site" || h.stage === "completed") return none
      if (h.stage !== "accepted" && h.stage !== "en_route") return conflict(`the call-out is ${h.stage}`)
      const distance = Math.round(distanceM(command.position, h.address))
      return one({
        type: "responder_on_site",
        ...ids,
        responder: command.responder,
        position: command.position,
        distanceM: distance,
        radiusM: command.radiusM,
        atConfirmedAddress: distance <= command.radiusM,
        deadline: plusSeconds(command.at, h.timeouts?.visitS ?? 0)
      })
    }
    case "complete_handover": {
      if (!active) return ended()
      if (h === undefined || h.responder?.id !== command.responder.id) return conflict("not the assigned responder")
      if (h.stage === "completed") return none
      if (h.stage !== "on_site") return conflict("report arrival before completing")
      return one({ type: "handover_completed", ...ids, responder: command.responder, outcome: command.outcome })
    }
    case "cancel_handover": {
      if (h === undefined || !OpenHandoverStages.includes(h.stage)) return h?.stage === "cancelled" ? none : conflict("no call-out under way")
      const cancelled: IncidentEvent = { type: "handover_cancelled", ...ids, by: command.by, reason: command.reason }
      // The next of kin are called for this call-out (dispatch starts it with the first offer):
      // one the operator called off wakes nobody else.
      return c?.stage === "calling"
        ? Result.succeed([cancelled, { type: "contact_cascade_ended", ...ids, outcome: "cancelled" }])
        : one(cancelled)
    }
    case "notify_agency": {
      if ((state.agencies ?? []).includes(command.agency)) return none
      if (!active) return ended()
      return one({
        type: "agency_notified",
        ...ids,
        agency: command.agency,
        channel: command.channel,
        ...(command.address !== undefined ? { address: command.address } : {}),
        mobility: command.mobility,
        reason: command.reason
      })
    }
    case "start_contact_cascade": {
      if (!active) return ended()
      if (c?.stage === "calling") return none
      if (command.contacts.length === 0) return conflict("the resident has no contacts to call")
      return one({ type: "contact_cascade_started", ...ids, by: command.by, contacts: command.contacts, timeoutS: command.timeoutS })
    }
    case "call_next_contact": {
      if (!active || c?.stage !== "calling" || c.calling || c.contacts[c.current]?.position !== command.position) return none
      return one({ type: "contact_called", ...ids, position: command.position, deadline: plusSeconds(command.at, c.timeoutS) })
    }
    case "answer_contact": {
      if (!active) return ended()
      if (c?.stage === "accepted" && c.acceptedBy === command.position && command.accepted) return none
      if (c?.stage !== "calling" || !c.calling || c.contacts[c.current]?.position !== command.position) {
        return conflict("this contact is not being called")
      }
      return one({ type: "contact_answered", ...ids, position: command.position, accepted: command.accepted, by: command.by })
    }
    case "time_out_contact": {
      if (!active || c?.stage !== "calling" || !c.calling || c.contacts[c.current]?.position !== command.position) return none
      if (c.deadline === undefined || Date.parse(command.at) < Date.parse(c.deadline)) return none
      return one({ type: "contact_call_timed_out", ...ids, position: command.position })
    }
    case "end_contact_cascade": {
      if (c?.stage !== "calling") return none
      if (command.outcome === "exhausted" && (c.calling || c.current < c.contacts.length)) return none
      return one({ type: "contact_cascade_ended", ...ids, outcome: command.outcome })
    }
  }
}

export type HandoverEvent = Extract<IncidentEvent, {
  type:
    | "handover_requested"
    | "handover_offered"
    | "handover_accepted"
    | "handover_rejected"
    | "handover_timed_out"
    | "handover_returned"
    | "responder_en_route"
    | "responder_on_site"
    | "handover_completed"
    | "handover_cancelled"
    | "agency_notified"
    | "contact_cascade_started"
    | "contact_called"
    | "contact_answered"
    | "contact_call_timed_out"
    | "contact_cascade_ended"
}>

/** The operator who holds the incident, or the queue when nobody does. */
const operatorOwner = (state: IncidentState): Owner =>
  state.claimedBy !== undefined
    ? { kind: "operator", id: state.claimedBy.id, ...(state.claimedBy.name ? { name: state.claimedBy.name } : {}) }
    : { kind: "queue", id: state.tenant }

/** Drops the running step: nothing is due any more. */
const idle = (h: Handover): Handover => {
  const { deadline: _deadline, step: _step, ...rest } = h
  return rest
}

/** The next team gets the next offer: the team that did not take this one is remembered. */
const backToRequested = (h: Handover): Handover => {
  const { team, responder: _responder, ...rest } = idle(h)
  return { ...rest, stage: "requested", tried: team === undefined ? h.tried : [...h.tried, team.id] }
}

/** `base` already carries the version and lastEventAt of this event. */
export const evolveHandover = (base: IncidentState, event: HandoverEvent): IncidentState => {
  const h = base.handover
  const need = (): Handover => {
    if (h === undefined) throw new Error(`incident ${event.incidentId}: ${event.type} without a call-out`)
    return h
  }
  switch (event.type) {
    case "handover_requested":
      return {
        ...base,
        status: "dispatching",
        owner: operatorOwner(base),
        handover: { no: (h?.no ?? 0) + 1, stage: "requested", requestedBy: event.by, reason: event.reason, address: event.address, offerNo: 0, tried: [] }
      }
    case "handover_offered":
      return {
        ...base,
        status: "dispatching",
        handover: {
          ...need(),
          stage: "offered",
          offerNo: event.offerNo,
          team: event.team,
          criticalNotes: event.criticalNotes,
          access: event.access,
          timeouts: event.timeouts,
          step: "offer",
          deadline: event.deadline
        }
      }
    case "handover_accepted": {
      const current = need()
      const team = current.team ?? { id: event.responder.teamId, name: event.responder.teamId }
      return {
        ...base,
        status: "responder_assigned",
        owner: { kind: "team", id: team.id, name: team.name },
        handover: { ...current, stage: "accepted", responder: event.responder, eta: event.eta, step: "start", deadline: event.deadline }
      }
    }
    case "handover_rejected":
      return { ...base, status: "dispatching", owner: operatorOwner(base), handover: backToRequested(need()) }
    case "handover_timed_out": {
      const current = need()
      if (event.step === "offer") return { ...base, status: "dispatching", owner: operatorOwner(base), handover: backToRequested(current) }
      return {
        ...base,
        status: "claimed",
        owner: operatorOwner(base),
        handover: { ...idle(current), stage: "returned", returnedReason: `${event.step} step overdue since ${event.deadline}` }
      }
    }
    case "handover_returned":
      return { ...base, status: "claimed", owner: operatorOwner(base), handover: { ...idle(need()), stage: "returned", returnedReason: event.reason } }
    case "responder_en_route":
      return { ...base, status: "en_route", handover: { ...need(), stage: "en_route", step: "arrival", deadline: event.deadline } }
    case "responder_on_site":
      return {
        ...base,
        status: "on_site",
        handover: {
          ...need(),
          stage: "on_site",
          step: "visit",
          deadline: event.deadline,
          onSite: { distanceM: event.distanceM, atConfirmedAddress: event.atConfirmedAddress }
        }
      }
    case "handover_completed":
      return { ...base, status: "on_site", owner: operatorOwner(base), handover: { ...idle(need()), stage: "completed", outcome: event.outcome } }
    case "handover_cancelled":
      return { ...base, status: "claimed", owner: operatorOwner(base), handover: { ...idle(need()), stage: "cancelled", returnedReason: event.reason } }
    case "agency_notified":
      return { ...base, agencies: [...(base.agencies ?? []), event.agency] }
    case "contact_cascade_started":
      return { ...base, cascade: { stage: "calling", contacts: event.contacts, timeoutS: event.timeoutS, current: 0, calling: false } }
    case "contact_called": {
      const c = base.cascade
      return c === undefined ? base : { ...base, cascade: { ...c, calling: true, deadline: event.deadline } }
    }
    case "contact_answered":
    case "contact_call_timed_out": {
      const c = base.cascade
      if (c === undefined) return base
      const { deadline: _deadline, ...rest } = c
      return event.type === "contact_answered" && event.accepted
        ? { ...base, cascade: { ...rest, calling: false, stage: "accepted", acceptedBy: event.position } }
        : { ...base, cascade: { ...rest, calling: false, current: c.current + 1 } }
    }
    case "contact_cascade_ended": {
      const c = base.cascade
      return c === undefined ? base : { ...base, cascade: { ...c, stage: event.outcome } }
    }
  }
}
