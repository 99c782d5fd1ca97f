import type { Priority } from "@wt/contracts"
import { localMinuteOfDay } from "@wt/supervision"
import { type IncidentHistory, isActiveStatus, isPerson, receivedAtMs, timelineLinks } from "./history.ts"
import { percentile, round, share } from "./statistics.ts"

/**
 * Answer-time targets: 98.5 % within 60 s (BS 9518 / EN 50134-7) and 99 % within 180 s
 * (TSA code), measured from receipt to an operator taking the alarm.
 */
export const AnswerTargets = [
  { withinMs: 60_000, share: 0.985 },
  { withinMs: 180_000, share: 0.99 }
] as const

/** What became of one alarm call, as the SLA counts it. */
export type AnswerOutcome =
  /** A person took it: the first claim, or a person's cancellation or resolution before any claim. */
  | { readonly kind: "answered"; readonly answerMs: number; readonly priority: Priority }
  /** Nobody has taken it yet and it is still active. */
  | { readonly kind: "waiting"; readonly waitedMs: number; readonly priority: Priority }
  /** It ended without a person: the engine resolved restored faults, or it was merged into another incident. */
  | { readonly kind: "withdrawn"; readonly priority: Priority }

/** How one incident was answered, judged at `nowMs`. The priority is the one it had when answered (or has now). */
export const answerOutcome = (h: IncidentHistory, nowMs: number): AnswerOutcome | undefined => {
  const received = receivedAtMs(h)
  const last = h.steps.at(-1)
  if (received === undefined || last === undefined) return undefined
  for (const step of h.steps) {
    const answers = step.eventType === "incident_claimed" ||
      ((step.eventType === "incident_cancelled" || step.eventType === "incident_resolved") && isPerson(step.actor))
    if (answers) return { kind: "answered", answerMs: Math.max(0, Date.parse(step.at) - received), priority: step.priority }
  }
  return isActiveStatus(last.status)
    ? { kind: "waiting", waitedMs: Math.max(0, nowMs - received), priority: last.priority }
    : { kind: "withdrawn", priority: last.priority }
}

/** One line of the SLA report: every incident received in the period, or one priority, or one hour of the day. */
export interface SlaRow {
  readonly tenant: string
  readonly by: "all" | "priority" | "hour"
  /** `all`, `P1` … `P4`, or the local hour `00` … `23`. */
  readonly group: string
  readonly received: number
  readonly answered: number
  readonly waiting: number
  readonly withdrawn: number
  readonly within60s: number
  /** Answered, plus waiting longer than 60 s: the calls the 60 s target is judged on. */
  readonly counted60s: number
  readonly share60s: number | null
  readonly within180s: number
  readonly counted180s: number
  readonly share180s: number | null
  readonly medianMs: number | null
  readonly p90Ms: number | null
  readonly maxMs: number | null
  /** Both targets met; null when nothing was counted. */
  readonly meetsTargets: boolean | null
}

/** An incident answered after 60 s or still waiting past it: the calls a supervisor looks into. */
export interface LateAnswer {
  readonly incidentId: string
  readonly tenant: string
  readonly priority: Priority
  readonly receivedAt: string
  readonly answerMs: number | null
  readonly waitingMs: number | null
  readonly timelineUrl: string
  readonly timelineCommand: string
}

interface Call {
  readonly history: IncidentHistory
  readonly receivedMs: number
  /** Local hour of receipt, 0 … 23. */
  readonly hour: number
  readonly outcome: AnswerOutcome
}

const slaRow = (tenant: string, by: SlaRow["by"], group: string, calls: ReadonlyArray<Call>): SlaRow => {
  const answerMs = calls.flatMap((c) => (c.outcome.kind === "answered" ? [c.outcome.answerMs] : []))
  const waited = calls.flatMap((c) => (c.outcome.kind === "waiting" ? [c.outcome.waitedMs] : []))
  const [t60, t180] = AnswerTargets
  const within = (limit: number) => answerMs.filter((ms) => ms <= limit).length
  const counted = (limit: number) => answerMs.length + waited.filter((ms) => ms > limit).length
  const share60s = share(within(t60.withinMs), counted(t60.withinMs))
  const share180s = share(within(t180.withinMs), counted(t180.withinMs))
  return {
    tenant,
    by,
    group,
    received: calls.length,
    answered: answerMs.length,
    waiting: waited.length,
    withdrawn: calls.filter((c) => c.outcome.kind === "withdrawn").length,
    within60s: within(t60.withinMs),
    counted60s: counted(t60.withinMs),
    share60s: round(share60s),
    within180s: within(t180.withinMs),
    counted180s: counted(t180.withinMs),
    share180s: round(share180s),
    medianMs: percentile(answerMs, 0.5),
    p90Ms: percentile(answerMs, 0.9),
    maxMs: answerMs.length === 0 ? null : Math.max(...answerMs),
    meetsTargets: share60s === null || share180s === null ? null : share60s >= t60.share && share180s >= t180.share
  }
}

export interface SlaReport {
  readonly rows: ReadonlyArray<SlaRow>
  readonly late: ReadonlyArray<LateAnswer>
}

const pad2 = (n: number) => String(n).padStart(2, "0")

/**
 * Local hour of an instant. Every zone's offset is a whole number of quarter hours, so the
 * answer is the same across a UTC quarter hour: cached per quarter, Intl runs once per quarter.
 */
const localHours = (timeZone: string) => {
  const cache = new Map<number, number>()
  return (ms: number): number => {
    const quarter = Math.floor(ms / 900_000)
    let hour = cache.get(quarter)
    if (hour === undefined) {
      hour = Math.floor(localMinuteOfDay(quarter * 900_000, timeZone) / 60)
      cache.set(quarter, hour)
    }
    return hour
  }
}

/**
 * The answer-time report for incidents received in [fromMs, toMs): per tenant one `all`
 * row, one row per priority present, one per local hour of receipt present.
 */
export const slaReport = (
  histories: ReadonlyArray<IncidentHistory>,
  options: { readonly fromMs: number; readonly toMs: number; readonly nowMs: number; readonly timeZone: string }
): SlaReport => {
  const calls: Array<Call> = []
  const hourOf = localHours(options.timeZone)
  for (const history of histories) {
    const receivedMs = receivedAtMs(history)
    if (receivedMs === undefined || receivedMs < options.fromMs || receivedMs >= options.toMs) continue
    const outcome = answerOutcome(history, options.nowMs)
    if (outcome !== undefined) calls.push({ history, receivedMs, hour: hourOf(receivedMs), outcome })
  }
  const tenants = [...new Set(calls.map((c) => c.history.tenant))].sort()
  const rows: Array<SlaRow> = []
  for (const tenant of tenants) {
    const mine = calls.filter((c) => c.history.tenant === tenant)
    rows.push(slaRow(tenant, "all", "all", mine))
    for (const p of ["P1", "P2", "P3", "P4"] as const) {
      const group = mine.filter((c) => c.outcome.priority === p)
      if (group.length > 0) rows.push(slaRow(tenant, "priority", p, group))
    }
    for (let hour = 0; hour < 24; hour++) {
      const group = mine.filter((c) => c.hour === hour)
      if (group.length > 0) rows.push(slaRow(tenant, "hour", pad2(hour), group))
    }
  }
  const late = calls.flatMap((c): ReadonlyArray<LateAnswer> => {
    const o = c.outcome
    const isLate = (o.kind === "answered" && o.answerMs > AnswerTargets[0].withinMs) ||
      (o.kind === "waiting" && o.waitedMs > AnswerTargets[0].withinMs)
    if (!isLate) return []
    return [{
      incidentId: c.history.incidentId,
      tenant: c.history.tenant,
      priority: o.priority,
      receivedAt: new Date(c.receivedMs).toISOString(),
      answerMs: o.kind === "answered" ? o.answerMs : null,
      waitingMs: o.kind === "waiting" ? o.waitedMs : null,
      ...timelineLinks(c.history.incidentId)
    }]
  }).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
  return { rows, late }
}
