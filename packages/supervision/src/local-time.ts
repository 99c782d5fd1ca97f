/**
 * Wall-clock arithmetic in a named time zone, without a clock read: night windows and
 * morning hours are local ("22:00 in Oslo"), deadlines are instants.
 */

/** "HH:MM", 00:00 … 24:00. */
export type ClockTime = string

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23"
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

interface WallClock {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

const wallClockExact = (ms: number, timeZone: string): WallClock => {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value)
  }
  return {
    year: parts["year"] ?? 1970,
    month: parts["month"] ?? 1,
    day: parts["day"] ?? 1,
    hour: parts["hour"] ?? 0,
    minute: parts["minute"] ?? 0,
    second: parts["second"] ?? 0
  }
}

// Zones change their offset only on quarter-hour boundaries of UTC (DST at 01:00 UTC in
// Europe), so one formatter call per zone and quarter hour serves every instant in it:
// supervision reads the local time of every event at telemetry rates.
const QuarterHourMs = 15 * 60_000
const offsets = new Map<string, number>()

const offsetOfQuarter = (ms: number, timeZone: string): number => {
  const start = Math.floor(ms / QuarterHourMs) * QuarterHourMs
  const key = `${timeZone}|${start}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    const w = wallClockExact(start, timeZone)
    offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - start
    if (offsets.size >= 4096) offsets.clear()
    offsets.set(key, offset)
  }
  return offset
}

const wallClock = (ms: number, timeZone: string): WallClock => {
  const local = new Date(ms + offsetOfQuarter(ms, timeZone))
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds()
  }
}

const pad = (n: number) => String(n).padStart(2, "0")

/** Local calendar date, "YYYY-MM-DD". */
export const localDate = (ms: number, timeZone: string): string => {
  const w = wallClock(ms, timeZone)
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`
}

/** Minutes since local midnight, 0 … 1439. */
export const localMinuteOfDay = (ms: number, timeZone: string): number => {
  const w = wallClock(ms, timeZone)
  return w.hour * 60 + w.minute
}

/** The zone's offset from UTC at an instant, in ms (Oslo: +1 h in winter, +2 h in summer). */
export const zoneOffsetMs = (ms: number, timeZone: string): number => {
  const w = wallClock(ms, timeZone)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000))
}

/** Parses "HH:MM" into minutes since midnight; "24:00" is the end of the day. */
export const minutesOf = (clock: ClockTime): number => {
  const match = /^(\d{1,2}):(\d{2})$/u.exec(clock)
  const hours = Number(match?.[1] ?? Number.NaN)
  const minutes = Number(match?.[2] ?? Number.NaN)
  if (!Number.isInteger(hours) || !Number.isInteger(minutes) || minutes > 59 || hours * 60 + minutes > 1440) {
    throw new RangeError(`not a clock time (HH:MM): ${clock}`)
  }
  return hours * 60 + minutes
}

/**
 * The instant at which a local date shows a wall-clock time, as Temporal's "compatible"
 * disambiguation gives it. In autumn's repeated hour it shows twice: the earlier, which a clock
 * read on from the evening before reaches first. A time skipped by spring-forward is moved on by
 * the gap (02:30 becomes 03:30). (Before, the repeated hour gave the later instant, which a
 * property test found for 2027-10-31 02:00 in Oslo; and a skipped time west of UTC landed an hour
 * early, 01:30 for 02:30 in New York.)
 */
export const instantOfLocal = (date: string, clock: ClockTime, timeZone: string): number => {
  const [y = 1970, m = 1, d = 1] = date.split("-").map(Number)
  const asUtc = Date.UTC(y, m - 1, d, 0, minutesOf(clock))
  // The zone's offsets a day before and after: the same on most days, the two sides of a change on one.
  const withOffsetBefore = asUtc - zoneOffsetMs(asUtc - 86_400_000, timeZone)
  const withOffsetAfter = asUtc - zoneOffsetMs(asUtc + 86_400_000, timeZone)
  const shown = [withOffsetBefore, withOffsetAfter].filter((instant) => instant + zoneOffsetMs(instant, timeZone) === asUtc)
  if (shown.length > 0) return Math.min(...shown)
  // Skipped by spring-forward: read with the offset before the change, the time falls after it and
  // shows moved on by the gap. (Reading the offset at `asUtc` itself, as before, chose the side by
  // whether the zone is east or west of UTC, not by the change: west of it, `asUtc` precedes the
  // change and two rounds ended on the offset after it, an hour early.)
  return withOffsetBefore
}

/** A daily window such as 22:00–07:00; it wraps past midnight when `from` is after `to`. */
export interface DailyWindow {
  readonly from: ClockTime
  readonly to: ClockTime
}

export const isWithinWindow = (ms: number, window: DailyWindow, timeZone: string): boolean => {
  const minute = localMinuteOfDay(ms, timeZone)
  const from = minutesOf(window.from)
  const to = minutesOf(window.to)
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to
}
