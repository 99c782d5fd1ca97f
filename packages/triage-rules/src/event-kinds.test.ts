import { describe, expect, it } from "@effect/vitest"
import { distanceM, isCareAlarm, isNight, isOutsideGeofence, isRestore, isSupervisionLoss, localMinuteOfDay } from "./index.ts"
import { ev, Fence } from "./test-events.ts"

describe("event kinds for the engine", () => {
  it("recognises restores", () => {
    expect(isRestore(ev("sensor", { sensor: "smoke", state: "restored" }))).toBe(true)
    expect(isRestore(ev("technical", { event: "power_restored" }))).toBe(true)
    expect(isRestore(ev("technical", { event: "communication_restored" }))).toBe(true)
    expect(isRestore(ev("technical", { event: "heartbeat" }))).toBe(false)
    expect(isRestore(ev("sensor", { sensor: "bed", state: "returned_to_bed" }))).toBe(false)
  })

  it("recognises care alarms: every safety-alarm trigger, epilepsy, GPS SOS", () => {
    for (const trigger of ["button", "pendant", "pull_cord", "fall_detector", "voice_call_failed"]) {
      expect(isCareAlarm(ev("safety_alarm", { trigger }))).toBe(true)
    }
    expect(isCareAlarm(ev("sensor", { sensor: "epilepsy", state: "triggered" }))).toBe(true)
    expect(isCareAlarm(ev("gps", { lat: 1, lon: 1, sos: true }))).toBe(true)
    expect(isCareAlarm(ev("gps", { lat: 1, lon: 1 }))).toBe(false)
    expect(isCareAlarm(ev("sensor", { sensor: "smoke", state: "triggered" }))).toBe(false)
    expect(isCareAlarm(ev("technical", { event: "sensor_supervision_lost" }))).toBe(false)
  })

  it("recognises loss of supervision", () => {
    expect(isSupervisionLoss(ev("technical", { event: "sensor_supervision_lost" }))).toBe(true)
    expect(isSupervisionLoss(ev("technical", { event: "communication_failure" }))).toBe(true)
    expect(isSupervisionLoss(ev("technical", { event: "low_battery" }))).toBe(false)
  })
})

describe("local time and geofence", () => {
  it("reads local time with daylight saving", () => {
    expect(localMinuteOfDay("2026-11-25T21:30:00Z", "Europe/Oslo")).toBe(22 * 60 + 30)
    expect(localMinuteOfDay("2026-07-01T21:30:00Z", "Europe/Oslo")).toBe(23 * 60 + 30)
    expect(localMinuteOfDay("2026-07-01T23:30:00+02:00", "Europe/Oslo")).toBe(23 * 60 + 30)
    expect(localMinuteOfDay("2026-02-30T25:00:00Z", "Europe/Oslo")).toBeUndefined()
  })

  it("includes the start of the night and excludes its end, wrapping midnight", () => {
    const night = { from: "22:00", to: "07:00" }
    expect(isNight("2026-11-25T21:00:00Z", "Europe/Oslo", night)).toBe(true) // 22:00
    expect(isNight("2026-11-25T20:59:00Z", "Europe/Oslo", night)).toBe(false) // 21:59
    expect(isNight("2026-11-25T05:59:00Z", "Europe/Oslo", night)).toBe(true) // 06:59
    expect(isNight("2026-11-25T06:00:00Z", "Europe/Oslo", night)).toBe(false) // 07:00
    expect(isNight("2026-11-25T12:30:00Z", "Europe/Oslo", { from: "13:00", to: "14:00" })).toBe(true)
  })

  it("measures great-circle distance and treats the fence line as inside", () => {
    expect(distanceM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195, -1)
    expect(distanceM({ lat: 59.9139, lon: 10.7522 }, { lat: 63.4305, lon: 10.3951 })).toBeCloseTo(391_600, -3) // Oslo–Trondheim
    const edge = { lat: Fence.lat + 500 / 111_195, lon: Fence.lon }
    expect(distanceM(Fence, edge)).toBeCloseTo(500, 3)
    expect(isOutsideGeofence(edge, { ...Fence, radiusM: distanceM(Fence, edge) })).toBe(false)
    expect(isOutsideGeofence(edge, { ...Fence, radiusM: 499 })).toBe(true)
  })
})
