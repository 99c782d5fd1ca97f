import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, Priority, PriorityScale, TriageDecision } from "@wt/contracts"
import { Schema } from "effect"
import { classify, contextOf, DefaultRuleSet, DeviceType, PlanOverrides, ResidentContext, type RuleBook, type RuleSet, ruleSetAt, type TriageContext } from "./index.ts"

// Two versions for one tenant with different priorities, so the chosen version is visible in the decision.
const v1: RuleSet = { ...DefaultRuleSet, version: "prop-1", validFrom: "2000-01-01T00:00:00Z", validTo: "2030-01-01T00:00:00Z" }
const v2: RuleSet = {
  ...DefaultRuleSet,
  version: "prop-2",
  validFrom: "2030-01-01T00:00:00Z",
  rules: DefaultRuleSet.rules.map((r) => (r.priority === "P4" ? { ...r, id: `${r.id}.v2`, priority: "P3" as const } : r))
}
const book: RuleBook = { defaults: [DefaultRuleSet], tenants: {} }
const tenantBook = (tenant: string): RuleBook => ({ ...book, tenants: { [tenant]: [v1, v2] } })

// Generated instants rarely name a real time, so version selection gets real ones.
const EpochMs = Schema.Int.check(Schema.isBetween({ minimum: Date.parse("2001-01-01T00:00:00Z"), maximum: Date.parse("2039-12-31T00:00:00Z") }))
const Switch = Date.parse(v2.validFrom)

// A plan's priorities for the default rules' own ids, so overrides actually meet the rules they name.
const PlannedPriorities = Schema.Struct(Object.fromEntries(DefaultRuleSet.rules.map((r) => [r.id, Schema.optionalKey(Priority)])))

const contextFor = (event: DeviceEvent, resident: ResidentContext, device: DeviceType): TriageContext => ({ at: event.occurredAt, resident, device: { type: device } })

const SeverityColour = { P1: [40, "red"], P2: [30, "orange"], P3: [20, "yellow"], P4: [10, "blue"] } as const

describe("classification properties", () => {
  it.prop(
    "every decision names a rule of the rule set in force at the instant, and that set's version",
    [DeviceEvent, ResidentContext, DeviceType, EpochMs],
    ([generated, resident, device, ms]) => {
      const event = { ...generated, occurredAt: new Date(ms).toISOString() }
      const ruleSet = ruleSetAt(tenantBook(event.tenant), event.tenant, event.occurredAt)
      expect(ruleSet.version).toBe(ms < Switch ? v1.version : v2.version)
      const decision = classify(event, ruleSet, contextFor(event, resident, device))
      if (decision === undefined) return
      expect(ruleSet.rules.some((r) => r.id === decision.ruleId)).toBe(true)
      expect(decision.ruleSetVersion).toBe(ruleSet.version)
      if (ms >= Switch) expect(decision.priority).not.toBe("P4")
    }
  )

  it.prop("is deterministic: equal inputs, equal decisions", [DeviceEvent, ResidentContext, DeviceType], ([event, resident, device]) => {
    const ctx = contextFor(event, resident, device)
    expect(classify(structuredClone(event), DefaultRuleSet, structuredClone(ctx))).toStrictEqual(classify(event, DefaultRuleSet, ctx))
    expect(classify(event, DefaultRuleSet)).toStrictEqual(classify(event, DefaultRuleSet, contextOf(event)))
  })

  it.prop("maps every priority to its national severity and triage colour", [DeviceEvent, ResidentContext, DeviceType], ([event, resident, device]) => {
    const decision = classify(event, DefaultRuleSet, contextFor(event, resident, device))
    if (decision === undefined) return
    const [severity, colour] = SeverityColour[decision.priority]
    expect(PriorityScale[decision.priority]).toMatchObject({ severity, colour })
  })

  it.prop(
    "a plan never lowers a P1 decision, and marks every decision it changed",
    [DeviceEvent, ResidentContext, DeviceType, PlanOverrides, PlannedPriorities],
    ([event, resident, device, generatedPlan, priorities]) => {
      const plan: PlanOverrides = { ...generatedPlan, priorities: priorities as Record<string, Priority> }
      const { plan: _, ...planless } = resident
      const without = classify(event, DefaultRuleSet, contextFor(event, planless, device))
      const withPlan = classify(event, DefaultRuleSet, contextFor(event, { ...planless, plan }, device))
      if (without?.priority === "P1" && without.ruleId === withPlan?.ruleId) expect(withPlan.priority).toBe("P1")
      if (without !== undefined && withPlan !== undefined && without.ruleId === withPlan.ruleId && without.priority !== withPlan.priority) {
        expect(withPlan.planOverride?.priorityFrom).toBe(without.priority)
      }
      if (withPlan?.planOverride !== undefined) expect(withPlan.planOverride.planId).toBe(plan.planId)
    }
  )

  it.prop(
    "every decision, plan overrides included, survives the contract's TriageDecision schema as JSON",
    [DeviceEvent, ResidentContext, DeviceType],
    ([event, resident, device]) => {
      const decision = classify(event, DefaultRuleSet, contextFor(event, resident, device))
      if (decision === undefined) return
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(TriageDecision)(decision)))
      expect(Schema.decodeUnknownSync(TriageDecision)(json)).toEqual(decision)
    }
  )
})
