import { describe, expect, it } from "@effect/vitest"
import { instantOfLocal } from "./local-time.ts"
import { active, activitySince, markMorningRaised, morningWindow, quietMorningIn, type ResidentActivity } from "./morning.ts"
import { DefaultPolicy } from "./policy.ts"

const oslo = (date: string, clock: string) => instantOfLocal(date, clock, "Europe/Oslo")
const yesterdayEvening = oslo("2026-11-24", "20:00")
const watched = activitySince(oslo("2026-11-20", "12:00"))
/** The resident judged at `nowMs` with that moment's own window, as the absence watch does on each look. */
const quietMorning = (record: ResidentActivity, nowMs: number) => quietMorningIn(record, morningWindow(nowMs, DefaultPolicy), nowMs)

describe("no activity by the morning hour (10:00 Oslo, activity counted from 05:00)", () => {
  it.each([
    ["nothing since yesterday evening, at 10:01", active(watched, yesterdayEvening), "10:01", true],
    ["nothing since yesterday evening, at 09:59", active(watched, yesterdayEvening), "09:59", false],
    ["up at 06:30", active(watched, oslo("2026-11-25", "06:30")), "10:01", false],
    ["only a toilet visit at 03:00", active(watched, oslo("2026-11-25", "03:00")), "10:01", true],
    ["never any activity since supervision began days ago", watched, "10:01", true],
    ["supervision began at 07:00 today: this morning is not judged", activitySince(oslo("2026-11-25", "07:00")), "10:01", false],
    ["already raised for today", markMorningRaised(active(watched, yesterdayEvening), "2026-11-25"), "15:00", false],
    ["raised yesterday, quiet again today", markMorningRaised(active(watched, yesterdayEvening), "2026-11-24"), "10:01", true]
  ] as const)("%s → incident: %s", (_, record, clock, expected) => {
    const quiet = quietMorning(record, oslo("2026-11-25", clock))
    expect(quiet !== undefined).toBe(expected)
    if (quiet !== undefined) expect(quiet).toEqual({ day: "2026-11-25", byMs: oslo("2026-11-25", "10:00") })
  })

  it("activity never moves backwards", () => {
    const later = active(watched, oslo("2026-11-25", "08:00"))
    expect(active(later, oslo("2026-11-25", "06:00")).lastActivityMs).toBe(oslo("2026-11-25", "08:00"))
  })
})

describe("the morning window, worked out once per tenant for every resident", () => {
  it("is 05:00–10:00 local time as instants, in winter time and on the day summer time begins", () => {
    expect(morningWindow(Date.parse("2026-11-25T12:00:00Z"), DefaultPolicy)).toEqual({
      day: "2026-11-25",
      fromMs: Date.parse("2026-11-25T04:00:00Z"),
      byMs: Date.parse("2026-11-25T09:00:00Z")
    })
    // Clocks go forward at 02:00 (01:00 UTC) on 29 March 2026: 05:00 and 10:00 are then UTC+2.
    expect(morningWindow(Date.parse("2026-03-29T12:00:00Z"), DefaultPolicy)).toEqual({
      day: "2026-03-29",
      fromMs: Date.parse("2026-03-29T03:00:00Z"),
      byMs: Date.parse("2026-03-29T08:00:00Z")
    })
  })

  it("belongs to the local day: at 00:30 in Oslo (23:30 UTC the evening before) it is already the new day's", () => {
    expect(morningWindow(Date.parse("2026-11-24T23:30:00Z"), DefaultPolicy).day).toBe("2026-11-25")
  })

  it("judges a resident as the policy does when the window is one worked out earlier in the same day", () => {
    const window = morningWindow(oslo("2026-11-25", "06:00"), DefaultPolicy)
    const quiet = active(watched, yesterdayEvening)
    expect(quietMorningIn(quiet, window, oslo("2026-11-25", "10:01"))).toEqual(quietMorning(quiet, oslo("2026-11-25", "10:01")))
    expect(quietMorningIn(quiet, window, oslo("2026-11-25", "09:59"))).toBeUndefined()
  })
})
