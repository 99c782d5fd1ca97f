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

/**
 * The decision for an absence, from the engine rules of the rule set in force when
 * its deadline passed: a silent safety alarm outranks a silent sensor, a critical
 * dose outranks another. Undefined when the tenant's rules switch it off.
 */
export const absenceDecision = (absence: Absence, owner: DeviceOwner, ruleBook: RuleBook): TriageDecision | undefined => {
  const at = new Date(absence.deadlineMs).toISOString()
  const ctx: TriageContext = {
    at,
    resident: residentContextOf(owner),
    device: {
      type: owner.deviceType,
      ...(owner.sensor !== undefined ? { sensor: owner.sensor } : {}),
      ...(owner.placement !== "" ? { placement: owner.placement } : {})
    }
  }
  const facts = absence._tag === "DoseNotTaken" && absence.critical === true ? { critical: true } : {}
  return engineDecision(ruleOf[absence._tag], ruleSetAt(ruleBook, absence.tenant, at), ctx, facts)
}
