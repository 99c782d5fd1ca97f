import type { IncidentState } from "@wt/contracts"
import { ActiveStatuses } from "@wt/contracts"

/** The stages in which a call-out is held by its responder: accepted and not yet over. */
export const HeldStages: ReadonlyArray<string> = ["accepted", "en_route", "on_site"]

/** What an accept comes to once the decider has had its say. */
export type AcceptOutcome =
  /** The call-out is this responder's and under way: the answer may carry the key-safe code. */
  | { readonly kind: "held"; readonly keySafe: boolean }
  /** The call-out is over, or not this responder's: no code, whatever the decider said. */
  | { readonly kind: "not_held"; readonly reason: string }

/**
 * Whether the accept a responder sent leaves them holding a live call-out. The decider treats an
 * accept repeated by the same responder for the same offer as nothing new, also once the call-out
 * is completed, cancelled, timed out or returned; the key-safe code must not follow it there.
 */
export const acceptOutcome = (state: IncidentState | undefined, responderId: string, offerNo: number): AcceptOutcome => {
  const h = state?.handover
  if (state === undefined || h === undefined) return { kind: "not_held", reason: "no call-out" }
  if (!ActiveStatuses.includes(state.status)) return { kind: "not_held", reason: `the incident is ${state.status}` }
  if (h.offerNo !== offerNo || h.responder?.id !== responderId) return { kind: "not_held", reason: `offer ${offerNo} is not yours to accept` }
  if (!HeldStages.includes(h.stage)) return { kind: "not_held", reason: `call-out ${h.no} is ${h.stage}` }
  return { kind: "held", keySafe: h.access?.kind === "key_safe" }
}
