import type { LocalTime, NightHours } from "./rule-set.ts"

// Formatters are costly to build and the same few zones recur, so one per zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    formatters.set(timeZone, f)
  }
  return f
}

/**
 * Minutes since local midnight of an instant in a time zone (0–1439), daylight saving
 * included; undefined when the instant names no real time ("2026-13-45T…").
 */
export const localMinuteOfDay = (instant: string, timeZone: string): number | undefined => {
  const t = Date.parse(instant)
  if (Number.isNaN(t)) return undefined
  const local = t + offsetOfQuarter(t, timeZone)
  return Math.floor((((local % DayMs) + DayMs) % DayMs) / 60_000)
}

const DayMs = 86_400_000
const QuarterHourMs = 15 * 60_000

// Zones change their offset only on quarter-hour boundaries of UTC (DST at 01:00 UTC in
// Europe), so one formatter call per zone and quarter hour serves every instant in it:
// triage reads the local time of every event it classifies.
const offsets = new Map<string, number>()
const offsetOfQuarter = (t: number, timeZone: string): number => {
  const start = Math.floor(t / QuarterHourMs) * QuarterHourMs
  const key = `${timeZone}|${start}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    let hour = 0
    let minute = 0
    for (const p of formatterFor(timeZone).formatToParts(start)) {
      if (p.type === "hour") hour = Number(p.value)
      else if (p.type === "minute") minute = Number(p.value)
    }
    // The offset modulo a day is all a minute of the day needs; wall clock minus UTC, within ±14 h.
    const utcMinute = Math.floor((((start % DayMs) + DayMs) % DayMs) / 60_000)
    let diff = hour * 60 + minute - utcMinute
    if (diff > 14 * 60) diff -= 1440
    if (diff < -14 * 60) diff += 1440
    offset = diff * 60_000
    if (offsets.size >= 4096) offsets.clear()
    offsets.set(key, offset)
  }
  return offset
}

export const minutesOf = (time: LocalTime): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))

/**
 * Night includes `from` and excludes `to`; when `from` is later than `to` the night
 * wraps midnight. An instant that names no real time counts as night, the cautious
 * side: the night rules are the stricter ones.
 */
export const isNight = (instant: string, timeZone: string, night: NightHours): boolean => {
  const m = localMinuteOfDay(instant, timeZone)
  if (m === undefined) return true
  const from = minutesOf(night.from)
  const to = minutesOf(night.to)
  return from <= to ? m >= from && m < to : m >= from || m < to
}
