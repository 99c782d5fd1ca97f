export {
  DeviceType,
  EngineRule,
  LocalTime,
  NightHours,
  type PlanParameter,
  Rule,
  RuleBook,
  RuleMatch,
  RuleParameters,
  RuleSet,
  TimeZone
} from "./rule-set.ts"
export {
  DeviceContext,
  type EffectiveParameters,
  Geofence,
  PlanOverrides,
  ResidentContext,
  ruleParameters,
  TriageContext
} from "./context.ts"
export { DefaultParameters, DefaultRuleBook, DefaultRuleSet } from "./default-rules.ts"
export { ruleSetAt } from "./rule-book.ts"
export { classify, contextOf } from "./classify.ts"
export { type EngineFacts, engineDecision, type EngineRuleId, EngineRules } from "./engine-decision.ts"
export { isCareAlarm, isRestore, isSupervisionLoss } from "./event-kinds.ts"
export { distanceM, isOutsideGeofence } from "./geofence.ts"
export { isNight, localMinuteOfDay } from "./local-time.ts"
export { planProblems } from "./plan-problems.ts"
