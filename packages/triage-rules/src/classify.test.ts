import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent } from "@wt/contracts"
import { classify, DefaultRuleSet } from "./index.ts"

const base = { id: "evt-00000001", tenant: "demo", deviceId: "dev-1", occurredAt: "2026-11-25T03:00:00Z", source: { via: "sim" as const } }
const ev = (type: DeviceEvent["type"], payload: object) => ({ ...base, type, payload }) as DeviceEvent

// One row per default rule, plus the events that must raise nothing.
const table: ReadonlyArray<[string, DeviceEvent, string | undefined, string | undefined, boolean]> = [
  ["smoke", ev("sensor", { sensor: "smoke", state: "triggered" }), "P1", "fire.smoke", true],
  ["heat", ev("sensor", { sensor: "heat", state: "triggered" }), "P1", "fire.heat", true],
  ["fall detector", ev("safety_alarm", { trigger: "fall_detector" }), "P1", "care.fall", false],
  ["pendant", ev("safety_alarm", { trigger: "pendant" }), "P1", "care.alarm", false],
  ["button", ev("safety_alarm", { trigger: "button" }), "P1", "care.alarm", false],
  ["pull cord", ev("safety_alarm", { trigger: "pull_cord" }), "P1", "care.alarm", false],
  ["voice call failed", ev("safety_alarm", { trigger: "voice_call_failed" }), "P1", "care.voice-failed", false],
  ["epilepsy", ev("sensor", { sensor: "epilepsy", state: "triggered" }), "P1", "care.epilepsy", false],
  ["GPS SOS", ev("gps", { lat: 63.4, lon: 10.4, sos: true }), "P1", "location.sos", false],
  ["water leak", ev("sensor", { sensor: "water", state: "triggered" }), "P2", "wellbeing.water", false],
  ["left bed", ev("sensor", { sensor: "bed", state: "left_bed" }), "P3", "wellbeing.left-bed", false],
  ["critical dose missed", ev("medication", { event: "dose_missed", critical: true }), "P2", "medication.critical-missed", false],
  ["dose missed", ev("medication", { event: "dose_missed" }), "P3", "medication.missed", false],
  ["dose late", ev("medication", { event: "dose_late" }), "P3", "medication.missed", false],
  ["dispenser jammed", ev("medication", { event: "dispenser_jammed" }), "P3", "medication.dispenser", false],
  ["refill needed", ev("medication", { event: "refill_needed" }), "P3", "medication.dispenser", false],
  ["low battery", ev("technical", { event: "low_battery" }), "P4", "technical.fault", false],
  ["power lost", ev("technical", { event: "power_lost" }), "P4", "technical.fault", false],
  ["tamper", ev("technical", { event: "tamper" }), "P4", "technical.fault", false],
  ["heartbeat", ev("technical", { event: "heartbeat" }), undefined, undefined, false],
  ["position", ev("gps", { lat: 63.4, lon: 10.4 }), undefined, undefined, false],
  ["dose taken", ev("medication", { event: "dose_taken" }), undefined, undefined, false],
  ["smoke restored", ev("sensor", { sensor: "smoke", state: "restored" }), undefined, undefined, false],
  ["power restored", ev("technical", { event: "power_restored" }), undefined, undefined, false]
]

describe("default triage rules", () => {
  it.each(table)("%s → %s (%s)", (_, event, priority, ruleId, fireService) => {
    const decision = classify(event, DefaultRuleSet)
    expect(decision?.priority).toBe(priority)
    expect(decision?.ruleId).toBe(ruleId)
    if (decision) {
      expect(decision.ruleSetVersion).toBe(DefaultRuleSet.version)
      expect(decision.fireService).toBe(fireService)
    }
  })

  it.prop("every event gets at most one decision, from the current rule set", [DeviceEvent], ([event]) => {
    const decision = classify(event, DefaultRuleSet)
    if (decision) expect(DefaultRuleSet.rules.some((r) => r.id === decision.ruleId)).toBe(true)
  })
})
