import type { ClockTime, DailyWindow } from "./local-time.ts"

/** How long past its interval a device may be silent: fixed seconds or a share of the interval. */
export type Grace = { readonly seconds: number } | { readonly fraction: number }

/**
 * What the centre expects of homes and devices, as data. Every deadline is a
 * function of these numbers and event times; nothing here reads a clock.
 */
export interface SupervisionPolicy {
  /** IANA zone that "night" and "morning" are read in. */
  readonly timeZone: string
  readonly heartbeat: {
    /** For a device the registry gives no interval. */
    readonly defaultIntervalS: number
    readonly grace: Grace
  }
  /** The night window: door openings and bed exits inside it are supervised. */
  readonly night: DailyWindow
  readonly leftBed: {
    /** Back in bed within this, or an incident (the plan's minutes). */
    readonly withinS: number
    /** Only bed exits inside `night` are supervised; by day people get up and stay up. */
    readonly onlyAtNight: boolean
  }
  readonly nightDoor: { readonly closeWithinS: number }
  readonly dose: {
    /** A due dose not taken this long after it was scheduled is missed. */
    readonly windowS: number
    /** A dose_taken without a dose id settles doses scheduled up to this long after it. */
    readonly takenEarlyS: number
  }
  readonly morning: {
    /** Activity counts towards the morning from this local time … */
    readonly activityFrom: ClockTime
    /** … and none by this local time is an incident. */
    readonly by: ClockTime
  }
}

export const DefaultPolicy: SupervisionPolicy = {
  timeZone: "Europe/Oslo",
  heartbeat: { defaultIntervalS: 60, grace: { seconds: 30 } },
  night: { from: "22:00", to: "07:00" },
  leftBed: { withinS: 30 * 60, onlyAtNight: true },
  nightDoor: { closeWithinS: 10 * 60 },
  dose: { windowS: 60 * 60, takenEarlyS: 30 * 60 },
  morning: { activityFrom: "05:00", by: "10:00" }
}

export const graceS = (policy: SupervisionPolicy, intervalS: number): number => {
  const grace = policy.heartbeat.grace
  return "seconds" in grace ? grace.seconds : grace.fraction * intervalS
}

/** The interval to supervise with: the registry's, or the default when it has none. */
export const intervalOrDefault = (policy: SupervisionPolicy, intervalS: number | undefined): number =>
  intervalS !== undefined && intervalS > 0 ? intervalS : policy.heartbeat.defaultIntervalS
