import { DeviceType, Geofence, Instant, Priority } from "@wt/contracts"
import { Schema } from "effect"
import { LocalTime, NightHours, type PlanParameter, type RuleParameters, type RuleSet, TimeZone } from "./rule-set.ts"

// The resident's geofence is the registry's (its model, in @wt/contracts).
export { Geofence }

/**
 * What a resident's response plan changes in the rules for that resident: a rule's
 * priority (by rule id) and the parameters that are personal. A plan cannot lower a
 * P1 rule: the real emergency comes first, whatever a plan says.
 */
export const PlanOverrides = Schema.Struct({
  planId: Schema.String,
  priorities: Schema.optionalKey(Schema.Record(Schema.String, Priority)),
  nightHours: Schema.optionalKey(NightHours),
  leftBedMinutes: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  geofenceRadiusM: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  morningActivityBy: Schema.optionalKey(LocalTime)
}).annotate({ identifier: "PlanOverrides" })
export type PlanOverrides = typeof PlanOverrides.Type

export const ResidentContext = Schema.Struct({
  dementia: Schema.Boolean,
  geofence: Schema.optionalKey(Geofence),
  plan: Schema.optionalKey(PlanOverrides)
}).annotate({ identifier: "ResidentContext" })
export type ResidentContext = typeof ResidentContext.Type

export const DeviceContext = Schema.Struct({
  type: DeviceType,
  sensor: Schema.optionalKey(Schema.String),
  placement: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "DeviceContext" })
export type DeviceContext = typeof DeviceContext.Type

/**
 * Everything the rules read besides the event, passed in so that classifying is a
 * pure function of its inputs (no clock, no registry). `timeZone` and `nightHours`
 * replace the rule set's for this call; the resident's plan replaces both again.
 * Without `device`, rules that depend on the device type do not fire.
 */
export const TriageContext = Schema.Struct({
  at: Instant,
  timeZone: Schema.optionalKey(TimeZone),
  nightHours: Schema.optionalKey(NightHours),
  resident: ResidentContext,
  device: Schema.optionalKey(DeviceContext)
}).annotate({ identifier: "TriageContext" })
export type TriageContext = typeof TriageContext.Type

/** The parameters in force for one resident, and which of them the resident's plan set. */
export interface EffectiveParameters extends RuleParameters {
  /** The resident's geofence, with the plan's radius when it has one. */
  readonly geofence?: Geofence
  readonly fromPlan: ReadonlySet<PlanParameter>
}

/** Plan, then context, then rule set: the most specific value wins. */
export const ruleParameters = (ruleSet: RuleSet, ctx: TriageContext): EffectiveParameters => {
  const plan = ctx.resident.plan
  const base = ruleSet.parameters
  const fromPlan = new Set<PlanParameter>()
  const pick = <K extends PlanParameter & keyof RuleParameters>(key: K, fromContext?: RuleParameters[K]): RuleParameters[K] => {
    const planned = plan?.[key] as RuleParameters[K] | undefined
    if (planned !== undefined) {
      fromPlan.add(key)
      return planned
    }
    return fromContext ?? base[key]
  }
  const fence = ctx.resident.geofence
  let geofence: Geofence | undefined = fence
  if (fence !== undefined && plan?.geofenceRadiusM !== undefined) {
    geofence = { ...fence, radiusM: plan.geofenceRadiusM }
    fromPlan.add("geofenceRadiusM")
  }
  return {
    ...base,
    timeZone: ctx.timeZone ?? base.timeZone,
    nightHours: pick("nightHours", ctx.nightHours),
    leftBedMinutes: pick("leftBedMinutes"),
    morningActivityBy: pick("morningActivityBy"),
    ...(geofence !== undefined ? { geofence } : {}),
    fromPlan
  }
}
