import { describe, expect, it } from "@effect/vitest"
import { instantOfLocal } from "./local-time.ts"
import { active, activitySince, markMorningRaised, quietMorning } from "./morning.ts"
import { DefaultPolicy } from "./policy.ts"

const oslo = (date: string, clock: string) => instantOfLocal(date, clock, "Europe/Oslo")
const yesterdayEvening = oslo("2026-11-24", "20:00")
const watched = activitySince(oslo("2026-11-20", "12:00"))

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
    const quiet = quietMorning(record, oslo("2026-11-25", clock), DefaultPolicy)
    expect(quiet !== undefined).toBe(expected)
    if (quiet !== undefined) expect(quiet).toEqual({ day: "2026-11-25", byMs: oslo("2026-11-25", "10:00") })
  })

  it("activity never moves backwards", () => {
    const later = active(watched, oslo("2026-11-25", "08:00"))
    expect(active(later, oslo("2026-11-25", "06:00")).lastActivityMs).toBe(oslo("2026-11-25", "08:00"))
  })
})
