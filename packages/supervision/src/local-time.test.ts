import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { instantOfLocal, isWithinWindow, localDate, localMinuteOfDay, minutesOf, zoneOffsetMs } from "./local-time.ts"

const oslo = "Europe/Oslo"
const at = (iso: string) => Date.parse(iso)

describe("local time in a named zone", () => {
  it.each([
    ["winter: UTC+1", "2026-01-15T12:00:00Z", 60],
    ["summer: UTC+2", "2026-07-15T12:00:00Z", 120]
  ])("Oslo's offset in %s", (_, iso, minutes) => {
    expect(zoneOffsetMs(at(iso), oslo)).toBe(minutes * 60_000)
  })

  it.each([
    ["2026-11-25T22:30:00Z", "2026-11-25", 23 * 60 + 30],
    ["2026-11-25T23:30:00Z", "2026-11-26", 30],
    ["2026-06-30T22:15:00Z", "2026-07-01", 15]
  ])("%s is %s at minute %i in Oslo", (iso, date, minute) => {
    expect(localDate(at(iso), oslo)).toBe(date)
    expect(localMinuteOfDay(at(iso), oslo)).toBe(minute)
  })

  it.each([
    ["2026-11-25", "10:00", "2026-11-25T09:00:00.000Z"],
    ["2026-07-01", "10:00", "2026-07-01T08:00:00.000Z"],
    ["2026-03-29", "10:00", "2026-03-29T08:00:00.000Z"], // the day clocks go forward
    ["2026-10-25", "10:00", "2026-10-25T09:00:00.000Z"], // the day clocks go back
    ["2026-10-25", "02:30", "2026-10-25T00:30:00.000Z"], // the repeated hour: the first time it shows
    ["2027-10-31", "02:00", "2027-10-31T00:00:00.000Z"],
    ["2026-03-29", "02:30", "2026-03-29T01:30:00.000Z"], // skipped by spring-forward: an hour later
    ["2026-11-25", "24:00", "2026-11-25T23:00:00.000Z"]
  ])("%s %s in Oslo is %s", (date, clock, iso) => {
    expect(new Date(instantOfLocal(date, clock, oslo)).toISOString()).toBe(iso)
  })

  it("a local date and wall-clock time lead back to the instant they were read from (up to the repeated autumn hour)", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (t) => {
        const minute = Math.floor(t / 60_000) * 60_000
        const m = localMinuteOfDay(t, oslo)
        const clock = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`
        const back = instantOfLocal(localDate(t, oslo), clock, oslo)
        return back === minute || back === minute - 3_600_000
      }),
      // Inside the repeated hour, which 100 random instants over fifteen years seldom reach.
      { examples: [[Date.UTC(2027, 9, 31, 0, 0)], [Date.UTC(2026, 9, 25, 0, 30)], [Date.UTC(2026, 9, 25, 1, 30)]] }
    )
  })

  it.each([
    ["21:59", false],
    ["22:00", true],
    ["23:59", true],
    ["00:00", true],
    ["03:00", true],
    ["06:59", true],
    ["07:00", false],
    ["12:00", false]
  ])("a door opened at %s Oslo time is at night (22:00-07:00): %s", (clock, night) => {
    for (const date of ["2026-01-15", "2026-07-15"]) {
      expect(isWithinWindow(instantOfLocal(date, clock, oslo), { from: "22:00", to: "07:00" }, oslo)).toBe(night)
    }
  })

  it("a window that does not wrap, and one spanning the whole day", () => {
    const noon = instantOfLocal("2026-01-15", "12:00", oslo)
    expect(isWithinWindow(noon, { from: "09:00", to: "17:00" }, oslo)).toBe(true)
    expect(isWithinWindow(noon, { from: "13:00", to: "17:00" }, oslo)).toBe(false)
    expect(isWithinWindow(noon, { from: "00:00", to: "24:00" }, oslo)).toBe(true)
  })

  it("refuses what is not a clock time", () => {
    expect(minutesOf("07:30")).toBe(450)
    expect(() => minutesOf("7.30")).toThrow(RangeError)
    expect(() => minutesOf("24:01")).toThrow(RangeError)
    expect(() => minutesOf("12:60")).toThrow(RangeError)
  })
})

describe("local time from the cached quarter-hour offset", () => {
  it("equals the time zone database's answer at any instant, across DST changes, in several zones", () => {
    const exact = (ms: number, timeZone: string) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
          .formatToParts(new Date(ms)).filter((p) => p.type !== "literal").map((p) => [p.type, p.value])
      )
      return { date: `${parts["year"]}-${parts["month"]}-${parts["day"]}`, minute: Number(parts["hour"]) * 60 + Number(parts["minute"]) }
    }
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
        fc.constantFrom("Europe/Oslo", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"),
        (t, zone) => {
          const expected = exact(t, zone)
          expect(localDate(t, zone)).toBe(expected.date)
          expect(localMinuteOfDay(t, zone)).toBe(expected.minute)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("is right in the minutes either side of Oslo's DST changes", () => {
    for (const change of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)]) {
      for (let t = change - 120_000; t <= change + 120_000; t += 30_000) {
        expect(zoneOffsetMs(t, oslo)).toBe(t < change === (change === Date.UTC(2026, 2, 29, 1)) ? 3_600_000 : 7_200_000)
      }
    }
  })
})
