import { CallOutStatuses, type IncidentHistory, receivedAtMs } from "./history.ts"
import { round, share } from "./statistics.ts"

/** Residents with at least one active device, per tenant, in total and per device type. */
export interface WelfareTechnologyUsers {
  readonly tenant: string
  readonly users: number
  readonly safetyAlarm: number
  readonly sensor: number
  readonly gps: number
  readonly medication: number
}

/** The national e-health strategy's figures for one tenant over a period. */
export interface IndicatorRow {
  readonly tenant: string
  readonly users: number
  readonly usersSafetyAlarm: number
  readonly usersSensor: number
  readonly usersGps: number
  readonly usersMedication: number
  /** Incidents received in the period. */
  readonly alarms: number
  readonly alarmsPerUser: number | null
  readonly alarmsPerUserPerDay: number | null
  readonly technical: number
  readonly care: number
  readonly technicalShare: number | null
  readonly careShare: number | null
  /** Incidents handled to an end (resolved, cancelled or closed; merged ones count in the incident they joined). */
  readonly ended: number
  readonly endedWithoutCallOut: number
  readonly withoutCallOutShare: number | null
}

const DayMs = 86_400_000

/**
 * Per tenant: users of welfare technology by device type (the registry now), alarms per user,
 * technical against care alarms, and the share of alarms resolved without a call-out (the
 * incident never reached dispatching, responder assigned, en route or on site).
 */
export const indicatorReport = (
  histories: ReadonlyArray<IncidentHistory>,
  users: ReadonlyArray<WelfareTechnologyUsers>,
  options: { readonly fromMs: number; readonly toMs: number }
): ReadonlyArray<IndicatorRow> => {
  const days = (options.toMs - options.fromMs) / DayMs
  const inPeriod = histories.filter((h) => {
    const ms = receivedAtMs(h)
    return ms !== undefined && ms >= options.fromMs && ms < options.toMs
  })
  const tenants = [...new Set([...users.map((u) => u.tenant), ...inPeriod.map((h) => h.tenant)])].sort()
  return tenants.map((tenant): IndicatorRow => {
    const u = users.find((x) => x.tenant === tenant) ?? { tenant, users: 0, safetyAlarm: 0, sensor: 0, gps: 0, medication: 0 }
    const mine = inPeriod.filter((h) => h.tenant === tenant)
    const technical = mine.filter((h) => h.steps.at(-1)!.category === "technical").length
    const ended = mine.filter((h) => {
      const status = h.steps.at(-1)!.status
      return status === "resolved" || status === "cancelled" || status === "closed"
    })
    const withoutCallOut = ended.filter((h) => !h.steps.some((s) => CallOutStatuses.has(s.status))).length
    const perUser = share(mine.length, u.users)
    return {
      tenant,
      users: u.users,
      usersSafetyAlarm: u.safetyAlarm,
      usersSensor: u.sensor,
      usersGps: u.gps,
      usersMedication: u.medication,
      alarms: mine.length,
      alarmsPerUser: round(perUser),
      alarmsPerUserPerDay: perUser === null || days <= 0 ? null : round(perUser / days),
      technical,
      care: mine.length - technical,
      technicalShare: round(share(technical, mine.length)),
      careShare: round(share(mine.length - technical, mine.length)),
      ended: ended.length,
      endedWithoutCallOut: withoutCallOut,
      withoutCallOutShare: round(share(withoutCallOut, ended.length))
    }
  })
}
