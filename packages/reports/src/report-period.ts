import { Result } from "effect"
import { instantOfLocal } from "@wt/supervision"

export const DefaultReportTimeZone = "Europe/Oslo"

/** How a caller names a report's period: a local day, or instants (default: the 24 hours before now). */
export interface PeriodQuery {
  readonly from?: string | undefined
  readonly to?: string | undefined
  /** YYYY-MM-DD, a whole day in `timeZone`; takes the place of from/to. */
  readonly day?: string | undefined
  readonly timeZone?: string | undefined
}

export interface ReportPeriod {
  readonly fromMs: number
  readonly toMs: number
  readonly timeZone: string
}

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** The period a query names, or why it names none. Pure: `nowMs` is the caller's clock. */
export const reportPeriod = (query: PeriodQuery, nowMs: number): Result.Result<ReportPeriod, string> => {
  const timeZone = query.timeZone ?? DefaultReportTimeZone
  if (!isTimeZone(timeZone)) return Result.fail(`unknown time zone: ${timeZone}`)
  if (query.day !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/u.test(query.day) || Number.isNaN(Date.parse(query.day))) return Result.fail(`day is not YYYY-MM-DD: ${query.day}`)
    return Result.succeed({ fromMs: instantOfLocal(query.day, "00:00", timeZone), toMs: instantOfLocal(query.day, "24:00", timeZone), timeZone })
  }
  const instant = (name: string, value: string | undefined, otherwise: number): Result.Result<number, string> =>
    value === undefined ? Result.succeed(otherwise) : Number.isNaN(Date.parse(value)) ? Result.fail(`${name} is not an ISO date-time: ${value}`) : Result.succeed(Date.parse(value))
  const to = instant("to", query.to, nowMs)
  if (Result.isFailure(to)) return Result.fail(to.failure)
  const from = instant("from", query.from, to.success - 86_400_000)
  if (Result.isFailure(from)) return Result.fail(from.failure)
  if (from.success >= to.success) return Result.fail("the period is empty: from must be before to")
  return Result.succeed({ fromMs: from.success, toMs: to.success, timeZone })
}
