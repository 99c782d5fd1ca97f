import type { IncidentState } from "@wt/contracts"
import { ActiveStatuses } from "@wt/contracts"

/** The grant an accepted call-out calls for: who may open which lock, for which call-out. */
export interface GrantSpec {
  /** Stable per call-out offer, so granting twice (two copies, a restart) stores one grant. */
  readonly id: string
  readonly lockId: string
  readonly responderId: string
  readonly validFromMs: number
  readonly validToMs: number
}

/**
 * The e-lock grant this incident's state calls for, if any: from acceptance until the
 * arrival deadline plus the visit time (the whole call-out, and not a minute longer); none
 * once the call-out is completed, returned, cancelled or the incident ended.
 */
export const grantFor = (state: IncidentState, acceptedAtMs: number): GrantSpec | undefined => {
  const h = state.handover
  if (!ActiveStatuses.includes(state.status) || h === undefined) return undefined
  if (h.stage !== "accepted" && h.stage !== "en_route" && h.stage !== "on_site") return undefined
  if (h.access?.kind !== "e_lock" || h.access.lockId === undefined || h.responder === undefined || h.timeouts === undefined) return undefined
  const t = h.timeouts
  const eta = h.eta !== undefined ? Math.max(Date.parse(h.eta), acceptedAtMs) : acceptedAtMs
  return {
    id: `${state.incidentId}.${h.no}.${h.offerNo}`,
    lockId: h.access.lockId,
    responderId: h.responder.id,
    validFromMs: acceptedAtMs,
    validToMs: Math.max(eta, acceptedAtMs + t.startS * 1000) + (t.arrivalGraceS + t.visitS) * 1000
  }
}

/** A grant still holds when its call-out is the incident's current one and the window has not closed. */
export const grantHolds = (grant: { readonly id: string; readonly validToMs: number }, state: IncidentState | undefined, nowMs: number): boolean => {
  if (state === undefined || nowMs >= grant.validToMs) return false
  const h = state.handover
  if (!ActiveStatuses.includes(state.status) || h === undefined) return false
  return grant.id === `${state.incidentId}.${h.no}.${h.offerNo}` && (h.stage === "accepted" || h.stage === "en_route" || h.stage === "on_site")
}
