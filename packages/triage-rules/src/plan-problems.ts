import { outranks } from "@wt/contracts"
import type { PlanOverrides } from "./context.ts"
import type { RuleSet } from "./rule-set.ts"

/**
 * What in a resident's plan the rule set will not honour, for whoever edits plans:
 * priorities for rules the rule set does not have, and attempts to lower a P1 rule.
 * Such entries are ignored when classifying, never guessed at.
 */
export const planProblems = (plan: PlanOverrides, ruleSet: RuleSet): ReadonlyArray<string> => {
  const problems: Array<string> = []
  for (const [ruleId, priority] of Object.entries(plan.priorities ?? {})) {
    const rows = [...ruleSet.rules, ...ruleSet.engineRules].filter((r) => r.id === ruleId)
    if (rows.length === 0) problems.push(`plan ${plan.planId}: no rule "${ruleId}" in rule set ${ruleSet.version}`)
    else if (rows.some((r) => r.priority === "P1" && outranks(r.priority, priority))) {
      problems.push(`plan ${plan.planId}: rule "${ruleId}" is P1 and cannot be lowered to ${priority}`)
    }
  }
  return problems
}
