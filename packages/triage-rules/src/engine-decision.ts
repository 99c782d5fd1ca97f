import type { TriageDecision } from "@wt/contracts"
import { ruleParameters, type TriageContext } from "./context.ts"
import { decisionFor } from "./decision.ts"
import type { EngineRule, RuleSet } from "./rule-set.ts"

/** Decisions the engine raises from absence or accumulation, by rule id. */
export const EngineRules = {
  leftBed: "absence.left-bed",
  noMorningActivity: "absence.no-morning-activity",
  heartbeatMissing: "absence.heartbeat-missing",
  repeated: "care.repeated",
  doorNightOpenNotClosed: "door.night-open-not-closed",
  doseNotTaken: "medication.dose-not-taken",
  supervisionStorm: "technical.supervision-storm",
  /** A restore (power, communication, sensor) noted on the technical incident it answers. */
  restore: "technical.restore"
} as const
export type EngineRuleId = (typeof EngineRules)[keyof typeof EngineRules]

/** What the engine knows about the case beyond the context (a dose's criticality). */
export interface EngineFacts {
  readonly critical?: boolean
}

const holds = (rule: EngineRule, ctx: TriageContext, facts: EngineFacts): boolean => {
  const w = rule.when
  if (w === undefined) return true
  if (w.deviceType !== undefined && (ctx.device === undefined || !w.deviceType.includes(ctx.device.type))) return false
  return w.critical === undefined || w.critical === (facts.critical === true)
}

/**
 * The decision for something the engine noticed (a silent device, a resident not back
 * in bed, repeated alarms), from the rule set's engine rules, so it too names its rule
 * and version and honours the resident's plan. Undefined when the rule set has no row
 * for the id whose conditions hold (a tenant may switch an engine rule off).
 */
export const engineDecision = (
  ruleId: EngineRuleId | (string & {}),
  ruleSet: RuleSet,
  ctx: TriageContext,
  facts: EngineFacts = {}
): TriageDecision | undefined => {
  const rule = ruleSet.engineRules.find((r) => r.id === ruleId && holds(r, ctx, facts))
  if (rule === undefined) return undefined
  return decisionFor(ruleSet, rule, ctx, ruleParameters(ruleSet, ctx), rule.uses ?? [])
}
