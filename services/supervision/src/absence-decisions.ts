import type { TriageDecision } from "@wt/contracts"
import type { DeviceOwner } from "@wt/registry"
import type { Absence, AbsenceTag } from "@wt/supervision"
import { engineDecision, type EngineRuleId, EngineRules, type RuleBook, ruleSetAt, type TriageContext } from "@wt/triage-rules"
import { residentContextOf } from "./supervision-policy.ts"

const ruleOf: Record<AbsenceTag, EngineRuleId> = {
  DeviceSilent: EngineRules.heartbeatMissing,
  NotBackInBed: EngineRules.leftBed,
  DoorLeftOpen: EngineRules.doorNightOpenNotClosed,
  DoseNotTaken: EngineRules.doseNotTaken,
  NoMorningActivity: EngineRules.noMorningActivity
}

/** What the rules read for an absence: its device and resident, at the moment its deadline passed. */
export const absenceContext = (absence: Absence, owner: DeviceOwner): TriageContext => ({
  at: new Date(absence.deadlineMs).toISOString(),
  resident: residentContextOf(owner),
  device: {
    type: owner.deviceType,
    ...(owner.sensor !== undefined ? { sensor: owner.sensor } : {}),
    ...(owner.placement !== "" ? { placement: owner.placement } : {})
  }
})

/**
 * The decision for an absence, from the engine rules of the rule set in force when
 * its deadline passed: a silent safety alarm outranks a silent sensor, a critical
 * dose outranks another. Undefined when the tenant's rules switch it off.
 */
export const absenceDecision = (absence: Absence, ctx: TriageContext, ruleBook: RuleBook): TriageDecision | undefined => {
  const facts = absence._tag === "DoseNotTaken" && absence.critical === true ? { critical: true } : {}
  return engineDecision(ruleOf[absence._tag], ruleSetAt(ruleBook, absence.tenant, ctx.at), ctx, facts)
}
