import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { reportPeriod } from "./report-period.ts"

const iso = (r: ReturnType<typeof reportPeriod>) =>
  Result.isSuccess(r) ? [new Date(r.success.fromMs).toISOString(), new Date(r.success.toMs).toISOString(), r.success.timeZone] : r.failure

describe("report periods", () => {
  it("a local day is midnight to midnight in its time zone, 23 hours on the day clocks go forward", () => {
    expect(iso(reportPeriod({ day: "2026-11-24" }, 0))).toEqual(["2026-11-23T23:00:00.000Z", "2026-11-24T23:00:00.000Z", "Europe/Oslo"])
    expect(iso(reportPeriod({ day: "2026-03-29", timeZone: "Europe/Oslo" }, 0))).toEqual(["2026-03-28T23:00:00.000Z", "2026-03-29T22:00:00.000Z", "Europe/Oslo"])
    expect(iso(reportPeriod({ day: "2026-11-24", timeZone: "UTC" }, 0))).toEqual(["2026-11-24T00:00:00.000Z", "2026-11-25T00:00:00.000Z", "UTC"])
  })

  it("without a day: from and to, the end defaulting to now and the start to 24 hours before the end", () => {
    const now = Date.parse("2026-11-25T12:00:00Z")
    expect(iso(reportPeriod({}, now))).toEqual(["2026-11-24T12:00:00.000Z", "2026-11-25T12:00:00.000Z", "Europe/Oslo"])
    expect(iso(reportPeriod({ to: "2026-11-20T00:00:00Z" }, now))).toEqual(["2026-11-19T00:00:00.000Z", "2026-11-20T00:00:00.000Z", "Europe/Oslo"])
    expect(iso(reportPeriod({ from: "2026-11-01T00:00:00Z" }, now))[0]).toBe("2026-11-01T00:00:00.000Z")
  })

  it("says what is wrong with a period it cannot use", () => {
    expect(iso(reportPeriod({ day: "24.11.2026" }, 0))).toBe("day is not YYYY-MM-DD: 24.11.2026")
    expect(iso(reportPeriod({ day: "2026-11-24", timeZone: "Mars/Olympus" }, 0))).toBe("unknown time zone: Mars/Olympus")
    expect(iso(reportPeriod({ from: "soon" }, 0))).toBe("from is not an ISO date-time: soon")
    expect(iso(reportPeriod({ from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" }, 0))).toBe("the period is empty: from must be before to")
  })
})
