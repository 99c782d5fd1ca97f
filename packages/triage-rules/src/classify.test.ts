import { describe, expect, it } from "@effect/vitest"
import type { DeviceEvent, Priority } from "@wt/contracts"
import { classify, DefaultRuleSet } from "./index.ts"
import { type ContextOptions, ctxFor, DayUtc, ev, Fence, Inside, NightUtc, Outside } from "./test-events.ts"

type Row = readonly [name: string, event: DeviceEvent, context: ContextOptions, priority: Priority | undefined, ruleId: string | undefined, fireService?: boolean]

const sensor = (sensor: string, state: string, at?: string) => ev("sensor", { sensor, state }, at)
const tech = (event: string) => ev("technical", { event })
const dose = (event: string, critical?: boolean) => ev("medication", critical === undefined ? { event } : { event, critical })
const gps = (at: string, where: { lat: number; lon: number }, sos?: boolean) => ev("gps", sos === undefined ? where : { ...where, sos }, at)

// One row per default rule and per variant that decides between rules, plus what must raise nothing.
const table: ReadonlyArray<Row> = [
  // P1
  ["smoke", sensor("smoke", "triggered"), {}, "P1", "fire.smoke", true],
  ["heat", sensor("heat", "triggered"), {}, "P1", "fire.heat", true],
  ["fall detector", ev("safety_alarm", { trigger: "fall_detector" }), {}, "P1", "care.fall"],
  ["pendant", ev("safety_alarm", { trigger: "pendant" }), {}, "P1", "care.alarm"],
  ["button", ev("safety_alarm", { trigger: "button" }), {}, "P1", "care.alarm"],
  ["pull cord", ev("safety_alarm", { trigger: "pull_cord" }), {}, "P1", "care.alarm"],
  ["voice call failed", ev("safety_alarm", { trigger: "voice_call_failed" }), {}, "P1", "care.voice-failed"],
  ["epilepsy", sensor("epilepsy", "triggered"), {}, "P1", "care.epilepsy"],
  ["GPS SOS inside the fence", gps(DayUtc, Inside, true), { fence: Fence }, "P1", "location.sos"],
  ["GPS SOS with dementia outside at night", gps(NightUtc, Outside, true), { dementia: true, fence: Fence }, "P1", "location.sos"],
  ["dementia, outside the fence at night", gps(NightUtc, Outside), { dementia: true, fence: Fence }, "P1", "location.dementia-outside-night"],
  // P2
  ["dementia, outside the fence by day", gps(DayUtc, Outside), { dementia: true, fence: Fence }, "P2", "location.outside-geofence"],
  ["no dementia, outside the fence at night", gps(NightUtc, Outside), { fence: Fence }, "P2", "location.outside-geofence"],
  ["no dementia, outside the fence by day", gps(DayUtc, Outside), { fence: Fence }, "P2", "location.outside-geofence"],
  ["door opened at night", sensor("door", "opened", NightUtc), {}, "P2", "door.night-opened"],
  ["door opened 22:30 local (21:30 UTC)", sensor("door", "opened", "2026-11-25T21:30:00Z"), {}, "P2", "door.night-opened"],
  ["door opened 22:30 local in summer (20:30 UTC)", sensor("door", "opened", "2026-07-01T20:30:00Z"), {}, "P2", "door.night-opened"],
  ["door triggered at night", sensor("door", "triggered", NightUtc), {}, "P2", "door.night-opened"],
  ["water leak", sensor("water", "triggered"), {}, "P2", "wellbeing.water"],
  ["critical dose missed", dose("dose_missed", true), {}, "P2", "medication.critical-missed"],
  ["safety alarm supervision lost", tech("sensor_supervision_lost"), { device: "safety_alarm" }, "P2", "technical.alarm-unprotected"],
  ["safety alarm communication failure", tech("communication_failure"), { device: "safety_alarm" }, "P2", "technical.alarm-unprotected"],
  // P3
  ["dose missed", dose("dose_missed"), {}, "P3", "medication.missed"],
  ["non-critical dose missed", dose("dose_missed", false), {}, "P3", "medication.missed"],
  ["dose late", dose("dose_late"), {}, "P3", "medication.missed"],
  ["critical dose late", dose("dose_late", true), {}, "P3", "medication.missed"],
  ["dispenser jammed", dose("dispenser_jammed"), {}, "P3", "medication.dispenser"],
  ["refill needed", dose("refill_needed"), {}, "P3", "medication.dispenser"],
  ["motion sensor reports no activity", sensor("motion", "no_activity"), {}, "P3", "wellbeing.no-activity"],
  // P4
  ["low battery", tech("low_battery"), { device: "safety_alarm" }, "P4", "technical.fault"],
  ["power lost", tech("power_lost"), { device: "safety_alarm" }, "P4", "technical.fault"],
  ["tamper", tech("tamper"), { device: "sensor" }, "P4", "technical.fault"],
  ["radio jamming", tech("radio_jamming"), { device: "safety_alarm" }, "P4", "technical.fault"],
  ["sensor supervision lost", tech("sensor_supervision_lost"), { device: "sensor" }, "P4", "technical.fault"],
  ["GPS tracker communication failure", tech("communication_failure"), { device: "gps" }, "P4", "technical.fault"],
  ["dispenser communication failure", tech("communication_failure"), { device: "medication" }, "P4", "technical.fault"],
  ["supervision lost from an unknown device", tech("sensor_supervision_lost"), {}, "P4", "technical.fault"],
  // Nothing
  ["heartbeat", tech("heartbeat"), { device: "safety_alarm" }, undefined, undefined],
  ["periodic test", tech("periodic_test"), { device: "safety_alarm" }, undefined, undefined],
  ["power restored", tech("power_restored"), { device: "safety_alarm" }, undefined, undefined],
  ["communication restored", tech("communication_restored"), { device: "safety_alarm" }, undefined, undefined],
  ["smoke restored", sensor("smoke", "restored"), {}, undefined, undefined],
  ["position inside the fence, dementia, at night", gps(NightUtc, Inside), { dementia: true, fence: Fence }, undefined, undefined],
  ["position without a fence, dementia, at night", gps(NightUtc, Outside), { dementia: true }, undefined, undefined],
  ["dose taken", dose("dose_taken", true), {}, undefined, undefined],
  ["dose due", dose("dose_due"), {}, undefined, undefined],
  ["lid open", dose("lid_open"), {}, undefined, undefined],
  ["door opened by day", sensor("door", "opened", DayUtc), {}, undefined, undefined],
  ["door opened 07:30 local in summer (05:30 UTC)", sensor("door", "opened", "2026-07-01T05:30:00Z"), {}, undefined, undefined],
  ["door closed at night", sensor("door", "closed", NightUtc), {}, undefined, undefined],
  ["left bed (the engine times it)", sensor("bed", "left_bed", NightUtc), {}, undefined, undefined],
  ["returned to bed", sensor("bed", "returned_to_bed", NightUtc), {}, undefined, undefined],
  ["motion", sensor("motion", "activity"), {}, undefined, undefined],
  ["e-lock unlocked", sensor("e_lock", "unlocked"), {}, undefined, undefined]
]

describe("default triage rules", () => {
  const cases = table.map((row) => ({ title: `${row[0]} → ${row[3] ?? "nothing"} ${row[4] ?? ""}`, row }))
  it.each(cases)("$title", ({ row: [, event, context, priority, ruleId, fireService] }) => {
    const decision = classify(event, DefaultRuleSet, ctxFor(event, context))
    expect(decision?.priority).toBe(priority)
    expect(decision?.ruleId).toBe(ruleId)
    if (decision !== undefined) {
      expect(decision.ruleSetVersion).toBe(DefaultRuleSet.version)
      expect(decision.fireService).toBe(fireService === true)
      expect(decision.planOverride).toBeUndefined()
    }
  })

  it("the table fires every default rule", () => {
    const fired = new Set(table.map((row) => row[4]))
    expect(DefaultRuleSet.rules.map((r) => r.id).filter((id) => !fired.has(id))).toEqual([])
  })

  it("flags only fire and smoke for the fire service", () => {
    expect(DefaultRuleSet.rules.filter((r) => r.fireService === true).map((r) => r.id)).toEqual(["fire.smoke", "fire.heat"])
  })

  it("without a context judges by the event's own time and knows no resident or device", () => {
    expect(classify(sensor("door", "opened", NightUtc), DefaultRuleSet)?.ruleId).toBe("door.night-opened")
    expect(classify(sensor("door", "opened", DayUtc), DefaultRuleSet)).toBeUndefined()
    expect(classify(tech("sensor_supervision_lost"), DefaultRuleSet)?.priority).toBe("P4")
    expect(classify(gps(NightUtc, Outside), DefaultRuleSet)).toBeUndefined()
  })

  it("judges night by the context's instant and time zone, not the event's", () => {
    const door = sensor("door", "opened", DayUtc)
    expect(classify(door, DefaultRuleSet, { ...ctxFor(door), at: NightUtc })?.ruleId).toBe("door.night-opened")
    // 12:00 UTC is 01:00 in Auckland (UTC+13 in November): night there.
    expect(classify(door, DefaultRuleSet, { ...ctxFor(door), timeZone: "Pacific/Auckland" })?.ruleId).toBe("door.night-opened")
    expect(classify(door, DefaultRuleSet, { ...ctxFor(door), nightHours: { from: "12:00", to: "14:00" } })?.ruleId).toBe("door.night-opened")
  })

  it("treats an instant that names no real time as night, the cautious side", () => {
    const door = sensor("door", "opened", "2026-13-45T99:00:00Z")
    expect(classify(door, DefaultRuleSet)?.ruleId).toBe("door.night-opened")
  })
})
