import type { TeamRef } from "@wt/contracts"

/** A daily duty window in minutes after local midnight; `fromMinute > toMinute` wraps past midnight. */
export interface Shift {
  readonly fromMinute: number
  readonly toMinute: number
}

export interface Team {
  readonly id: string
  readonly name: string
  readonly zone: string
  readonly shifts: ReadonlyArray<Shift>
}

export interface Zone {
  readonly id: string
  readonly postcodes: ReadonlyArray<string>
}

export const onShift = (team: Team, minuteOfDay: number): boolean =>
  team.shifts.some((s) =>
    s.fromMinute <= s.toMinute
      ? minuteOfDay >= s.fromMinute && minuteOfDay < s.toMinute
      : minuteOfDay >= s.fromMinute || minuteOfDay < s.toMinute
  )

/** The zone that covers a postcode, if any. */
export const zoneOf = (zones: ReadonlyArray<Zone>, postcode: string): string | undefined =>
  zones.find((z) => z.postcodes.includes(postcode))?.id

/**
 * The teams to offer a call-out to, in order: on duty in the address's zone first, then on
 * duty elsewhere (a neighbouring team beats no team), each group by id for a stable order;
 * teams already tried in this call-out are left out. Off-duty teams are never offered to.
 */
export const offerCandidates = (
  teams: ReadonlyArray<Team>,
  options: { readonly zone: string | undefined; readonly minuteOfDay: number; readonly tried: ReadonlyArray<string> }
): ReadonlyArray<TeamRef> => {
  const tried = new Set(options.tried)
  const onDuty = teams.filter((t) => !tried.has(t.id) && onShift(t, options.minuteOfDay))
  const byId = (a: Team, b: Team) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const local = onDuty.filter((t) => t.zone === options.zone).sort(byId)
  const others = onDuty.filter((t) => t.zone !== options.zone).sort(byId)
  return [...local, ...others].map((t) => ({ id: t.id, name: t.name }))
}

/** Minutes after local midnight in a time zone (default the response centre's, Europe/Oslo). */
export const minuteOfDay = (atMs: number, timeZone = "Europe/Oslo"): number => {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(atMs)
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0)
  const minute = Number(parts.find((p) => p.type === "minute")?.value ?? 0)
  return hour * 60 + minute
}
