import { outranks, type Priority, type PlanOverrideApplied, type TriageDecision } from "@wt/contracts"
import type { EffectiveParameters, TriageContext } from "./context.ts"
import type { PlanParameter, RuleSet } from "./rule-set.ts"

interface Fired {
  readonly id: string
  readonly priority: Priority
  readonly category: TriageDecision["category"]
  readonly reason: string
  readonly fireService?: boolean
}

/**
 * A plan's priority for a rule, when the plan has one that may apply: a plan may
 * raise any rule and lower any but a P1 one.
 */
const plannedPriority = (ctx: TriageContext, rule: Fired): Priority | undefined => {
  const planned = ctx.resident.plan?.priorities?.[rule.id]
  if (planned === undefined || planned === rule.priority) return undefined
  if (rule.priority === "P1" && outranks(rule.priority, planned)) return undefined
  return planned
}

/** The decision for a fired rule, naming the rule, the rule-set version and what the resident's plan changed. */
export const decisionFor = (
  ruleSet: RuleSet,
  rule: Fired,
  ctx: TriageContext,
  params: EffectiveParameters,
  uses: ReadonlyArray<PlanParameter>
): TriageDecision => {
  const plan = ctx.resident.plan
  const base: TriageDecision = {
    ruleId: rule.id,
    ruleSetVersion: ruleSet.version,
    priority: rule.priority,
    category: rule.category,
    reason: rule.reason,
    fireService: rule.fireService === true
  }
  if (plan === undefined) return base
  const priority = plannedPriority(ctx, rule)
  const parameters = uses.filter((p) => params.fromPlan.has(p))
  if (priority === undefined && parameters.length === 0) return base
  const planOverride: PlanOverrideApplied = {
    planId: plan.planId,
    ...(priority !== undefined ? { priorityFrom: rule.priority } : {}),
    ...(parameters.length > 0 ? { parameters } : {})
  }
  const changes = [
    ...(priority !== undefined ? [`${rule.priority}→${priority}`] : []),
    ...(parameters.length > 0 ? [`its ${parameters.join(", ")}`] : [])
  ]
  return {
    ...base,
    priority: priority ?? rule.priority,
    reason: `${rule.reason} (response plan ${plan.planId}: ${changes.join("; ")})`,
    planOverride
  }
}
