import type { RuleBook, RuleSet } from "./rule-set.ts"

const validAt = (ruleSet: RuleSet, t: number): boolean =>
  Date.parse(ruleSet.validFrom) <= t && (ruleSet.validTo === undefined || t < Date.parse(ruleSet.validTo))

// Where versions overlap, the one that started last supersedes the others.
const newestValid = (versions: ReadonlyArray<RuleSet>, t: number): RuleSet | undefined => {
  let best: RuleSet | undefined
  for (const v of versions) {
    if (validAt(v, t) && (best === undefined || Date.parse(v.validFrom) > Date.parse(best.validFrom))) best = v
  }
  return best
}

const newest = (versions: ReadonlyArray<RuleSet>): RuleSet | undefined => {
  let best: RuleSet | undefined
  for (const v of versions) if (best === undefined || Date.parse(v.validFrom) > Date.parse(best.validFrom)) best = v
  return best
}

/**
 * The rule set in force for a tenant at an instant: the tenant's own version valid
 * then, else the default's. An instant no version covers (a device clock far off, a
 * time that does not exist) gets the tenant's newest version, else the newest
 * default, so no event is ever left without rules.
 */
export const ruleSetAt = (book: RuleBook, tenant: string, instant: string): RuleSet => {
  const t = Date.parse(instant)
  const own = book.tenants[tenant] ?? []
  return newestValid(own, t) ?? newestValid(book.defaults, t) ?? newest(own) ?? newest(book.defaults) ?? book.defaults[0]
}
