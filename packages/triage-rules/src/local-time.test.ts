import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { localMinuteOfDay } from "./local-time.ts"

const exact = (t: number, timeZone: string) => {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(t)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  return get("hour") * 60 + get("minute")
}

describe("localMinuteOfDay from the cached quarter-hour offset", () => {
  it("equals the time zone database's answer at any instant, across DST changes, in several zones", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
        fc.constantFrom("Europe/Oslo", "America/St_Johns", "Asia/Kathmandu", "Pacific/Kiritimati", "America/Adak", "UTC"),
        (t, zone) => {
          expect(localMinuteOfDay(new Date(t).toISOString(), zone)).toBe(exact(t, zone))
        }
      ),
      { numRuns: 3000 }
    )
  })

  it("turns at Oslo's DST changes to the minute", () => {
    expect(localMinuteOfDay("2026-03-29T00:59:00Z", "Europe/Oslo")).toBe(1 * 60 + 59)
    expect(localMinuteOfDay("2026-03-29T01:00:00Z", "Europe/Oslo")).toBe(3 * 60)
    expect(localMinuteOfDay("2026-10-25T00:59:00Z", "Europe/Oslo")).toBe(2 * 60 + 59)
    expect(localMinuteOfDay("2026-10-25T01:00:00Z", "Europe/Oslo")).toBe(2 * 60)
  })
})
