import { describe, expect, it } from "@effect/vitest"
import type { Priority } from "@wt/contracts"
import { DefaultRuleSet, type DeviceType, engineDecision, type EngineFacts, type EngineRuleId, EngineRules, type RuleSet } from "./index.ts"
import { ctxFor, ev, NightUtc } from "./test-events.ts"

const rows: ReadonlyArray<readonly [EngineRuleId, DeviceType | undefined, EngineFacts, Priority]> = [
  [EngineRules.leftBed, "sensor", {}, "P2"],
  [EngineRules.noMorningActivity, "sensor", {}, "P3"],
  [EngineRules.heartbeatMissing, "safety_alarm", {}, "P2"],
  [EngineRules.heartbeatMissing, "sensor", {}, "P4"],
  [EngineRules.heartbeatMissing, "gps", {}, "P4"],
  [EngineRules.heartbeatMissing, undefined, {}, "P4"],
  [EngineRules.repeated, "safety_alarm", {}, "P2"],
  [EngineRules.doorNightOpenNotClosed, "sensor", {}, "P2"],
  [EngineRules.doseNotTaken, "medication", { critical: true }, "P2"],
  [EngineRules.doseNotTaken, "medication", { critical: false }, "P3"],
  [EngineRules.doseNotTaken, "medication", {}, "P3"],
  [EngineRules.supervisionStorm, undefined, {}, "P2"],
  [EngineRules.restore, "safety_alarm", {}, "P4"]
]

describe("engine decisions", () => {
  const anyEvent = ev("technical", { event: "heartbeat" }, NightUtc)
  it.each(rows.map((row) => ({ title: `${row[0]} from ${row[1] ?? "an unknown device"} ${JSON.stringify(row[2])} → ${row[3]}`, row })))(
    "$title",
    ({ row: [ruleId, device, facts, priority] }) => {
      const decision = engineDecision(ruleId, DefaultRuleSet, ctxFor(anyEvent, device !== undefined ? { device } : {}), facts)
      expect(decision?.ruleId).toBe(ruleId)
      expect(decision?.priority).toBe(priority)
      expect(decision?.ruleSetVersion).toBe(DefaultRuleSet.version)
      expect(decision?.fireService).toBe(false)
    }
  )

  it("the table asks for every engine rule", () => {
    const asked = new Set<string>(rows.map((row) => row[0]))
    expect(DefaultRuleSet.engineRules.map((r) => r.id).filter((id) => !asked.has(id))).toEqual([])
    expect(new Set(DefaultRuleSet.engineRules.map((r) => r.id))).toEqual(new Set(Object.values(EngineRules)))
  })

  it("raises nothing for a rule the tenant's rule set switched off", () => {
    const quiet: RuleSet = { ...DefaultRuleSet, version: "quiet-1", engineRules: DefaultRuleSet.engineRules.filter((r) => r.id !== EngineRules.noMorningActivity) }
    expect(engineDecision(EngineRules.noMorningActivity, quiet, ctxFor(anyEvent))).toBeUndefined()
    expect(engineDecision(EngineRules.leftBed, quiet, ctxFor(anyEvent))?.ruleSetVersion).toBe("quiet-1")
  })
})
