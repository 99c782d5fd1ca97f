import { Schema } from "effect"
import type { HandoverTimeouts } from "@wt/contracts"

/** The handover part of a response plan (stored per plan and alarm type); every field optional. */
export const HandoverPlan = Schema.Struct({
  offerS: Schema.optionalKey(Schema.Int),
  startS: Schema.optionalKey(Schema.Int),
  arrivalGraceS: Schema.optionalKey(Schema.Int),
  visitS: Schema.optionalKey(Schema.Int),
  /** How far from the confirmed address an arrival still counts as there. */
  radiusM: Schema.optionalKey(Schema.Number),
  /** Call next of kin / keyholders in order when a call-out is requested. */
  contactCascade: Schema.optionalKey(Schema.Boolean),
  contactTimeoutS: Schema.optionalKey(Schema.Int)
})
export type HandoverPlan = typeof HandoverPlan.Type

export interface HandoverSettings {
  readonly timeouts: HandoverTimeouts
  readonly radiusM: number
  readonly contactCascade: boolean
  readonly contactTimeoutS: number
}

export const DefaultHandoverSettings: HandoverSettings = {
  timeouts: { offerS: 90, startS: 180, arrivalGraceS: 600, visitS: 3600 },
  radiusM: 75,
  contactCascade: false,
  contactTimeoutS: 60
}

/** The plan's settings over the defaults; a plan value that is not a positive number is ignored. */
export const handoverSettings = (plan: HandoverPlan | undefined, defaults: HandoverSettings = DefaultHandoverSettings): HandoverSettings => {
  const pos = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : d)
  return {
    timeouts: {
      offerS: pos(plan?.offerS, defaults.timeouts.offerS),
      startS: pos(plan?.startS, defaults.timeouts.startS),
      arrivalGraceS: pos(plan?.arrivalGraceS, defaults.timeouts.arrivalGraceS),
      visitS: pos(plan?.visitS, defaults.timeouts.visitS)
    },
    radiusM: pos(plan?.radiusM, defaults.radiusM),
    contactCascade: plan?.contactCascade ?? defaults.contactCascade,
    contactTimeoutS: pos(plan?.contactTimeoutS, defaults.contactTimeoutS)
  }
}
