import type { IncidentState } from "@wt/contracts"
import type { CascadeCall, OfferView } from "./responder-contract.ts"

/** A key with its value, or no key at all: the answers' Schemas take an optional field as absent, never as `undefined`. */
const ifDefined = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/** What a responder's phone is shown for one call-out: everything needed to act, nothing more. */
export const offerView = (s: IncidentState): typeof OfferView.Type => {
  const h = s.handover!
  return {
    incidentId: s.incidentId,
    priority: s.priority,
    alarmType: s.alarmType,
    callOut: h.no,
    offerNo: h.offerNo,
    stage: h.stage,
    ...ifDefined("team", h.team),
    reason: h.reason,
    address: h.address,
    criticalNotes: h.criticalNotes ?? [],
    access: h.access ?? { kind: "none" },
    ...ifDefined("step", h.step),
    ...ifDefined("deadline", h.deadline),
    ...ifDefined("eta", h.eta)
  }
}

/** A cascade call as the next of kin's phone is shown it. */
export const cascadeView = (s: IncidentState): typeof CascadeCall.Type => ({
  incidentId: s.incidentId,
  alarmType: s.alarmType,
  ...ifDefined("position", s.cascade?.contacts[s.cascade.current]?.position),
  ...ifDefined("deadline", s.cascade?.deadline)
})
