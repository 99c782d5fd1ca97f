import type { DeviceEvent, TriageDecision } from "@wt/contracts"
import type { Rule, RuleSet } from "./rule-set.ts"

const oneOf = (allowed: ReadonlyArray<string> | undefined, value: string | undefined) =>
  allowed === undefined || (value !== undefined && allowed.includes(value))

const matches = (rule: Rule, event: DeviceEvent): boolean => {
  const w = rule.when
  if (w.type !== event.type) return false
  switch (event.type) {
    case "safety_alarm":
      return oneOf(w.trigger, event.payload.trigger)
    case "sensor":
      return oneOf(w.sensor, event.payload.sensor) && oneOf(w.state, event.payload.state)
    case "gps":
      return w.sos === undefined || w.sos === (event.payload.sos === true)
    case "medication":
      return oneOf(w.event, event.payload.event) && (w.critical === undefined || w.critical === (event.payload.critical === true))
    case "technical":
      return oneOf(w.event, event.payload.event)
  }
}

/** The decision for one event under a rule set, or undefined when the event raises nothing. */
export const classify = (event: DeviceEvent, ruleSet: RuleSet): TriageDecision | undefined => {
  const rule = ruleSet.rules.find((r) => matches(r, event))
  if (rule === undefined) return undefined
  return {
    ruleId: rule.id,
    ruleSetVersion: ruleSet.version,
    priority: rule.priority,
    category: rule.category,
    reason: rule.reason,
    fireService: rule.fireService === true
  }
}
