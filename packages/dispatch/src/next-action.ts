import type { IncidentCommand, IncidentState } from "@wt/contracts"
import { ActiveStatuses } from "@wt/contracts"
import { isHandoverOpen } from "@wt/incident"

/**
 * What dispatch owes an incident at `now`. Level-triggered: it is computed from the latest
 * state alone, so a restarted or second copy of dispatch arrives at the same answer, and the
 * decider turns a duplicate into nothing.
 */
export type DispatchAction =
  /** Fire or smoke: alert the fire service (address, mobility) before anything else. */
  | { readonly kind: "alert_fire" }
  /** Offer the call-out to the next team not yet tried, or hand it back when none is left. */
  | { readonly kind: "offer"; readonly offerNo: number; readonly tried: ReadonlyArray<string> }
  /** A ready command: a timeout due, the next contact to call, a cascade to end. */
  | { readonly kind: "command"; readonly command: IncidentCommand }

const iso = (ms: number) => new Date(ms).toISOString()

export const nextAction = (state: IncidentState, nowMs: number): DispatchAction | undefined => {
  if (!ActiveStatuses.includes(state.status)) return undefined
  if (state.fireService === true && !(state.agencies ?? []).includes("110")) return { kind: "alert_fire" }
  const h = state.handover
  if (isHandoverOpen(h)) {
    if (h.stage === "requested") return { kind: "offer", offerNo: h.offerNo + 1, tried: h.tried }
    if (h.step !== undefined && h.deadline !== undefined && nowMs >= Date.parse(h.deadline)) {
      return { kind: "command", command: { type: "time_out_handover", at: iso(nowMs), step: h.step, offerNo: h.offerNo } }
    }
  }
  const c = state.cascade
  if (c?.stage === "calling") {
    const contact = c.contacts[c.current]
    if (!c.calling) {
      return contact === undefined
        ? { kind: "command", command: { type: "end_contact_cascade", at: iso(nowMs), outcome: "exhausted" } }
        : { kind: "command", command: { type: "call_next_contact", at: iso(nowMs), position: contact.position } }
    }
    if (contact !== undefined && c.deadline !== undefined && nowMs >= Date.parse(c.deadline)) {
      return { kind: "command", command: { type: "time_out_contact", at: iso(nowMs), position: contact.position } }
    }
  }
  return undefined
}

/** When dispatch must look at this incident again without news from the stream (the nearest deadline). */
export const nextDeadline = (state: IncidentState): number | undefined => {
  if (!ActiveStatuses.includes(state.status)) return undefined
  const times: Array<number> = []
  if (isHandoverOpen(state.handover) && state.handover.deadline !== undefined) times.push(Date.parse(state.handover.deadline))
  if (state.cascade?.stage === "calling" && state.cascade.deadline !== undefined) times.push(Date.parse(state.cascade.deadline))
  return times.length === 0 ? undefined : Math.min(...times)
}

/** Whether dispatch needs to keep watching this incident at all. */
export const needsDispatch = (state: IncidentState): boolean =>
  ActiveStatuses.includes(state.status) &&
  ((state.fireService === true && !(state.agencies ?? []).includes("110")) || isHandoverOpen(state.handover) || state.cascade?.stage === "calling")
