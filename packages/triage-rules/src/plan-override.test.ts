import { describe, expect, it } from "@effect/vitest"
import { classify, DefaultRuleSet, engineDecision, EngineRules, type PlanOverrides, planProblems, ruleParameters } from "./index.ts"
import { ctxFor, DayUtc, ev, Fence, NightUtc } from "./test-events.ts"

const door = (at: string) => ev("sensor", { sensor: "door", state: "opened" }, at)

describe("a resident's response plan", () => {
  it("raises door-opened-at-night to P1 for this resident only, and says so", () => {
    const plan: PlanOverrides = { planId: "plan-wanders", priorities: { "door.night-opened": "P1" } }
    const event = door(NightUtc)
    const planned = classify(event, DefaultRuleSet, ctxFor(event, { plan }))
    const plain = classify(event, DefaultRuleSet, ctxFor(event))
    expect(plain?.priority).toBe("P2")
    expect(planned).toEqual({
      ruleId: "door.night-opened",
      ruleSetVersion: DefaultRuleSet.version,
      priority: "P1",
      category: "wellbeing",
      reason: "door opened at night (response plan plan-wanders: P2→P1)",
      fireService: false,
      planOverride: { planId: "plan-wanders", priorityFrom: "P2" }
    })
  })

  it("leaves decisions it does not touch unmarked", () => {
    const plan: PlanOverrides = { planId: "plan-wanders", priorities: { "door.night-opened": "P1" } }
    const event = ev("sensor", { sensor: "water", state: "triggered" })
    expect(classify(event, DefaultRuleSet, ctxFor(event, { plan }))?.planOverride).toBeUndefined()
  })

  it("moves the night with its own night hours, and names them as the plan's", () => {
    const plan: PlanOverrides = { planId: "plan-early", nightHours: { from: "12:00", to: "14:00" } }
    const event = door(DayUtc) // 13:00 local
    const decision = classify(event, DefaultRuleSet, ctxFor(event, { plan }))
    expect(decision?.ruleId).toBe("door.night-opened")
    expect(decision?.planOverride).toEqual({ planId: "plan-early", parameters: ["nightHours"] })
    expect(decision?.reason).toContain("response plan plan-early")
    // Its night replaces the default one: 03:00 is day for this resident.
    expect(classify(door(NightUtc), DefaultRuleSet, ctxFor(door(NightUtc), { plan }))).toBeUndefined()
  })

  it("widens the geofence with its own radius", () => {
    const plan: PlanOverrides = { planId: "plan-walks", geofenceRadiusM: 3000 }
    const position = ev("gps", { lat: 63.45, lon: 10.39 }, NightUtc) // about 2.2 km from the centre
    expect(classify(position, DefaultRuleSet, ctxFor(position, { dementia: true, fence: Fence }))?.priority).toBe("P1")
    expect(classify(position, DefaultRuleSet, ctxFor(position, { dementia: true, fence: Fence, plan }))).toBeUndefined()
    const further = ev("gps", { lat: 63.47, lon: 10.39 }, NightUtc) // about 4.4 km
    expect(classify(further, DefaultRuleSet, ctxFor(further, { dementia: true, fence: Fence, plan }))?.planOverride).toEqual({
      planId: "plan-walks",
      parameters: ["geofenceRadiusM"]
    })
  })

  it("gives the engine its left-bed minutes and marks the engine's decision", () => {
    const plan: PlanOverrides = { planId: "plan-frail", leftBedMinutes: 10, priorities: { [EngineRules.leftBed]: "P1" } }
    const ctx = ctxFor(door(NightUtc), { plan })
    expect(ruleParameters(DefaultRuleSet, ctx).leftBedMinutes).toBe(10)
    expect(ruleParameters(DefaultRuleSet, ctxFor(door(NightUtc))).leftBedMinutes).toBe(DefaultRuleSet.parameters.leftBedMinutes)
    expect(engineDecision(EngineRules.leftBed, DefaultRuleSet, ctx)).toMatchObject({
      ruleId: "absence.left-bed",
      priority: "P1",
      planOverride: { planId: "plan-frail", priorityFrom: "P2", parameters: ["leftBedMinutes"] }
    })
  })

  it("may lower a P2 rule but never a P1 one, and reports the attempt", () => {
    const plan: PlanOverrides = { planId: "plan-odd", priorities: { "care.fall": "P3", "wellbeing.water": "P3", "no.such-rule": "P1" } }
    const fall = ev("safety_alarm", { trigger: "fall_detector" })
    const water = ev("sensor", { sensor: "water", state: "triggered" })
    const fallDecision = classify(fall, DefaultRuleSet, ctxFor(fall, { plan }))
    expect(fallDecision?.priority).toBe("P1")
    expect(fallDecision?.planOverride).toBeUndefined()
    expect(classify(water, DefaultRuleSet, ctxFor(water, { plan }))?.priority).toBe("P3")
    expect(planProblems(plan, DefaultRuleSet)).toEqual([
      `plan plan-odd: rule "care.fall" is P1 and cannot be lowered to P3`,
      `plan plan-odd: no rule "no.such-rule" in rule set ${DefaultRuleSet.version}`
    ])
  })
})
