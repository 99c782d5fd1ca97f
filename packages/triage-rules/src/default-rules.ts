import type { RuleSet } from "./rule-set.ts"

/**
 * The first rule table, by event type. Events that no rule matches (heartbeats,
 * positions without SOS, doses taken, restores) raise no incident on their own.
 * Order matters: the first matching rule fires.
 */
export const DefaultRuleSet: RuleSet = {
  version: "default-2026.11.1",
  validFrom: "2026-11-01T00:00:00Z",
  rules: [
    { id: "fire.smoke", when: { type: "sensor", sensor: ["smoke"], state: ["triggered"] }, priority: "P1", category: "fire", reason: "smoke detector triggered", fireService: true },
    { id: "fire.heat", when: { type: "sensor", sensor: ["heat"], state: ["triggered"] }, priority: "P1", category: "fire", reason: "heat detector triggered", fireService: true },
    { id: "care.fall", when: { type: "safety_alarm", trigger: ["fall_detector"] }, priority: "P1", category: "care", reason: "fall detected" },
    { id: "care.alarm", when: { type: "safety_alarm", trigger: ["pendant", "button", "pull_cord"] }, priority: "P1", category: "care", reason: "safety alarm pressed" },
    { id: "care.voice-failed", when: { type: "safety_alarm", trigger: ["voice_call_failed"] }, priority: "P1", category: "care", reason: "alarm call could not be connected" },
    { id: "care.epilepsy", when: { type: "sensor", sensor: ["epilepsy"], state: ["triggered"] }, priority: "P1", category: "care", reason: "epilepsy sensor triggered" },
    { id: "location.sos", when: { type: "gps", sos: true }, priority: "P1", category: "location", reason: "SOS pressed on GPS tracker" },
    { id: "wellbeing.water", when: { type: "sensor", sensor: ["water"], state: ["triggered"] }, priority: "P2", category: "wellbeing", reason: "water leak" },
    { id: "wellbeing.left-bed", when: { type: "sensor", sensor: ["bed"], state: ["left_bed"] }, priority: "P3", category: "wellbeing", reason: "left bed" },
    { id: "medication.critical-missed", when: { type: "medication", event: ["dose_missed"], critical: true }, priority: "P2", category: "medication", reason: "critical dose missed" },
    { id: "medication.missed", when: { type: "medication", event: ["dose_missed", "dose_late"] }, priority: "P3", category: "medication", reason: "dose missed or late" },
    { id: "medication.dispenser", when: { type: "medication", event: ["dispenser_jammed", "refill_needed"] }, priority: "P3", category: "medication", reason: "dispenser needs attention" },
    { id: "technical.fault", when: { type: "technical", event: ["low_battery", "power_lost", "tamper", "radio_jamming", "communication_failure", "sensor_supervision_lost"] }, priority: "P4", category: "technical", reason: "technical fault" }
  ]
}
