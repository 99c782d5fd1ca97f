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

  it.each([
    // Skipped by spring-forward: moved forward by the gap, as Temporal's "compatible" does.
    ["America/New_York", "2027-03-14", "02:30", "2027-03-14T07:30:00.000Z"], // shows 03:30 EDT
    ["America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00.000Z"], // shows 03:00 EDT
    ["America/Los_Angeles", "2027-03-14", "02:30", "2027-03-14T10:30:00.000Z"], // shows 03:30 PDT
    ["Europe/Oslo", "2027-03-28", "02:30", "2027-03-28T01:30:00.000Z"], // shows 03:30 CEST
    ["Australia/Sydney", "2026-10-04", "02:30", "2026-10-03T16:30:00.000Z"], // shows 03:30 AEDT
    // Repeated by fall-back: the earlier of the two instants.
    ["America/New_York", "2027-11-07", "01:30", "2027-11-07T05:30:00.000Z"], // 01:30 EDT, not EST
    ["America/Los_Angeles", "2026-11-01", "01:30", "2026-11-01T08:30:00.000Z"], // 01:30 PDT, not PST
    ["Europe/Oslo", "2027-10-31", "02:30", "2027-10-31T00:30:00.000Z"], // 02:30 CEST, not CET
    ["Australia/Sydney", "2027-04-04", "02:30", "2027-04-03T15:30:00.000Z"], // 02:30 AEDT, not AEST
    // No DST since 2019: the days Brazil's clocks used to change are ordinary days.
    ["America/Sao_Paulo", "2026-11-01", "00:30", "2026-11-01T03:30:00.000Z"],
    ["America/Sao_Paulo", "2026-02-15", "23:30", "2026-02-16T02:30:00.000Z"]
  ])("in %s, %s %s is %s", (zone, date, clock, iso) => {
    expect(new Date(instantOfLocal(date, clock, zone)).toISOString()).toBe(iso)
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

describe("a local date and wall-clock time as an instant, either side of UTC and of the equator", () => {
  const zones = ["Europe/Oslo", "America/New_York", "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo", "UTC"]
  const DayMs = 86_400_000
  const clockOf = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`
  // Straight from the time zone database, without the module's cached offsets.
  const formatters = new Map(zones.map((zone) => [zone, new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })]))
  const parts = (ms: number, zone: string) =>
    Object.fromEntries(formatters.get(zone)!.formatToParts(new Date(ms)).filter((p) => p.type !== "literal").map((p) => [p.type, Number(p.value)]))
  const shownIn = (ms: number, zone: string) => {
    const p = parts(ms, zone)
    return `${p["year"]}-${String(p["month"]).padStart(2, "0")}-${String(p["day"]).padStart(2, "0")} ${clockOf(p["hour"]! * 60 + p["minute"]!)}`
  }
  const offsetIn = (ms: number, zone: string) => {
    const p = parts(ms, zone)
    return Date.UTC(p["year"]!, p["month"]! - 1, p["day"], p["hour"], p["minute"]) - Math.floor(ms / 60_000) * 60_000
  }
  /** The offsets a zone has in 2026–2030, and the local dates it changes on: random days seldom reach them. */
  const changesOf = (zone: string) => {
    const offsets = new Set<number>()
    const days: Array<string> = []
    for (let day = Date.UTC(2025, 11, 31); day < Date.UTC(2031, 0, 2); day += DayMs) {
      offsets.add(offsetIn(day, zone))
      if (offsetIn(day, zone) === offsetIn(day + DayMs, zone)) continue
      let [before, after] = [day, day + DayMs]
      while (after - before > 60_000) {
        const mid = Math.floor((before + after) / 120_000) * 60_000
        if (offsetIn(mid, zone) === offsetIn(before, zone)) before = mid
        else after = mid
      }
      days.push(shownIn(after, zone).slice(0, 10))
    }
    return { offsets: [...offsets], days }
  }
  const changesIn = new Map(zones.map((zone) => [zone, changesOf(zone)]))
  /** Every instant that shows the date and time, trying each offset the zone has. */
  const instantsShowing = (date: string, minute: number, zone: string) => {
    const asUtc = Date.parse(`${date}T00:00:00Z`) + minute * 60_000
    return (changesIn.get(zone)?.offsets ?? []).map((offset) => asUtc - offset)
      .filter((instant) => shownIn(instant, zone) === `${date} ${clockOf(minute)}`)
  }
  const dates = fc.integer({ min: Date.UTC(2026, 0, 1) / DayMs, max: Date.UTC(2030, 11, 31) / DayMs })
    .map((day) => new Date(day * DayMs).toISOString().slice(0, 10))
  const cases = fc.constantFrom(...zones).chain((zone) => {
    const changes = changesIn.get(zone)?.days ?? []
    return fc.record({
      zone: fc.constant(zone),
      date: changes.length > 0 ? fc.oneof(dates, fc.constantFrom(...changes)) : dates,
      // Half the times in the small hours, where the changes are.
      minute: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 239 }))
    })
  })

  it("shows the date and time asked for, the earlier instant when it shows twice, and a skipped time moved on by the gap", () => {
    fc.assert(
      fc.property(cases, ({ zone, date, minute }) => {
        const instant = instantOfLocal(date, clockOf(minute), zone)
        const showing = instantsShowing(date, minute, zone)
        if (showing.length > 0) {
          expect(shownIn(instant, zone)).toBe(`${date} ${clockOf(minute)}`)
          expect(instant).toBe(Math.min(...showing))
        } else {
          const asUtc = Date.parse(`${date}T00:00:00Z`) + minute * 60_000
          const gap = offsetIn(asUtc + DayMs, zone) - offsetIn(asUtc - DayMs, zone)
          expect(gap).toBeGreaterThan(0)
          expect(shownIn(instant, zone)).toBe(`${date} ${clockOf(minute + gap / 60_000)}`)
        }
      }),
      {
        numRuns: 1000,
        examples: [
          [{ zone: "America/New_York", date: "2027-03-14", minute: 150 }],
          [{ zone: "America/Los_Angeles", date: "2028-03-12", minute: 120 }],
          [{ zone: "Australia/Sydney", date: "2026-10-04", minute: 179 }],
          [{ zone: "Europe/Oslo", date: "2029-03-25", minute: 150 }],
          [{ zone: "America/New_York", date: "2027-11-07", minute: 90 }],
          [{ zone: "Australia/Sydney", date: "2027-04-04", minute: 150 }]
        ]
      }
    )
  })
})
