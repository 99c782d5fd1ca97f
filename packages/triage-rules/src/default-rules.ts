import { EngineRules } from "./engine-decision.ts"
import type { RuleBook, RuleParameters, RuleSet } from "./rule-set.ts"

export const DefaultParameters: RuleParameters = {
  timeZone: "Europe/Oslo",
  nightHours: { from: "22:00", to: "07:00" },
  leftBedMinutes: 30,
  morningActivityBy: "10:00",
  repeatedAlarmCount: 3,
  repeatedAlarmWindowHours: 6
}

const supervisionLost = ["sensor_supervision_lost", "communication_failure"] as const

/**
 * The default rules. Order matters: the first matching rule fires, so the
 * specific rows (dementia outside at night, a safety alarm losing supervision) come
 * before the general ones. Events no rule matches raise nothing on their own:
 * heartbeats, positions inside the fence, doses taken, restores, a single
 * "left bed" (the engine raises it when the resident is not back in time).
 */
export const DefaultRuleSet: RuleSet = {
  version: "default-2026.11.2",
  validFrom: "2026-11-01T00:00:00Z",
  parameters: DefaultParameters,
  rules: [
    // P1
    { id: "fire.smoke", when: { type: "sensor", sensor: ["smoke"], state: ["triggered"] }, priority: "P1", category: "fire", reason: "smoke detector triggered", fireService: true },
    { id: "fire.heat", when: { type: "sensor", sensor: ["heat"], state: ["triggered"] }, priority: "P1", category: "fire", reason: "heat detector triggered", fireService: true },
    { id: "care.fall", when: { type: "safety_alarm", trigger: ["fall_detector"] }, priority: "P1", category: "care", reason: "fall detected" },
    { id: "care.alarm", when: { type: "safety_alarm", trigger: ["pendant", "button", "pull_cord"] }, priority: "P1", category: "care", reason: "safety alarm pressed" },
    // The resident pressed but the voice call failed: nobody has spoken to them yet.
    { id: "care.voice-failed", when: { type: "safety_alarm", trigger: ["voice_call_failed"] }, priority: "P1", category: "care", reason: "alarm call could not be connected" },
    { id: "care.epilepsy", when: { type: "sensor", sensor: ["epilepsy"], state: ["triggered"] }, priority: "P1", category: "care", reason: "epilepsy sensor triggered" },
    { id: "location.sos", when: { type: "gps", sos: true }, priority: "P1", category: "location", reason: "SOS pressed on GPS tracker" },
    { id: "location.dementia-outside-night", when: { type: "gps", dementia: true, outsideGeofence: true, period: "night" }, priority: "P1", category: "location", reason: "person with dementia outside the geofence at night" },
    // P2
    // Outside by day, or at night for a person without dementia: never nothing.
    { id: "location.outside-geofence", when: { type: "gps", outsideGeofence: true }, priority: "P2", category: "location", reason: "outside the geofence" },
    { id: "door.night-opened", when: { type: "sensor", sensor: ["door"], state: ["opened", "triggered"], period: "night" }, priority: "P2", category: "wellbeing", reason: "door opened at night" },
    { id: "wellbeing.water", when: { type: "sensor", sensor: ["water"], state: ["triggered"] }, priority: "P2", category: "wellbeing", reason: "water leak" },
    { id: "medication.critical-missed", when: { type: "medication", event: ["dose_missed"], critical: true }, priority: "P2", category: "medication", reason: "critical dose missed" },
    { id: "technical.alarm-unprotected", when: { type: "technical", event: [...supervisionLost], deviceType: ["safety_alarm"] }, priority: "P2", category: "technical", reason: "safety alarm lost supervision: resident unprotected" },
    // P3
    { id: "medication.missed", when: { type: "medication", event: ["dose_missed", "dose_late"] }, priority: "P3", category: "medication", reason: "dose missed or late" },
    { id: "medication.dispenser", when: { type: "medication", event: ["dispenser_jammed", "refill_needed"] }, priority: "P3", category: "medication", reason: "dispenser needs attention" },
    // A sensor platform that judges inactivity itself (VKP 4.9/4.19) must not go unheard.
    { id: "wellbeing.no-activity", when: { type: "sensor", state: ["no_activity"] }, priority: "P3", category: "wellbeing", reason: "no activity reported" },
    // P4
    { id: "technical.fault", when: { type: "technical", event: ["low_battery", "power_lost", "tamper", "radio_jamming", ...supervisionLost] }, priority: "P4", category: "technical", reason: "technical fault" }
  ],
  engineRules: [
    { id: EngineRules.leftBed, priority: "P2", category: "wellbeing", reason: "left bed and not back in time", uses: ["leftBedMinutes"] },
    { id: EngineRules.noMorningActivity, priority: "P3", category: "wellbeing", reason: "no activity by morning", uses: ["morningActivityBy"] },
    { id: EngineRules.heartbeatMissing, when: { deviceType: ["safety_alarm"] }, priority: "P2", category: "technical", reason: "safety alarm silent: resident unprotected" },
    { id: EngineRules.heartbeatMissing, priority: "P4", category: "technical", reason: "device silent" },
    { id: EngineRules.repeated, priority: "P2", category: "care", reason: "repeated care alarms" },
    { id: EngineRules.doorNightOpenNotClosed, priority: "P2", category: "wellbeing", reason: "door opened at night and not closed", uses: ["nightHours"] },
    { id: EngineRules.doseNotTaken, when: { critical: true }, priority: "P2", category: "medication", reason: "critical dose not taken in its window" },
    { id: EngineRules.doseNotTaken, priority: "P3", category: "medication", reason: "dose not taken in its window" },
    { id: EngineRules.supervisionStorm, priority: "P2", category: "technical", reason: "many devices lost supervision at once" },
    { id: EngineRules.restore, priority: "P4", category: "technical", reason: "device restored" }
  ]
}

/** The book with only the default rules, for a system without tenant rule sets. */
export const DefaultRuleBook: RuleBook = { defaults: [DefaultRuleSet], tenants: {} }
