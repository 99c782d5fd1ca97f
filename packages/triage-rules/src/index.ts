export type { Rule, RuleSet } from "./rule-set.ts"
export { DefaultRuleSet } from "./default-rules.ts"
export { classify } from "./classify.ts"
