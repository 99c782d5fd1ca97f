import { inFlood } from "@wt/read-models"
import { type IncidentHistory, receivedAtMs, timelineLinks } from "./history.ts"

export const FloodWindowMs = 10 * 60_000

/** How far either side of an instant an operator's action counts as being on duty then. */
export const OnDutySlackMs = 30 * 60_000

/** A period of alarm flood for one tenant (ISA-18.2: over 10 alarms in 10 minutes per operator, until below 5). */
export interface FloodRow {
  readonly tenant: string
  readonly from: string
  /** Null while the flood lasts. */
  readonly to: string | null
  readonly durationMs: number
  /** Alarms received from the start to the end of the flood. */
  readonly alarms: number
  readonly peakAlarmsIn10Min: number
  readonly operatorsAtPeak: number
  /** Alarms per 10 minutes per operator at the peak. */
  readonly peakRate: number
  /** The alarm that started the flood. */
  readonly firstIncidentId: string
  readonly timelineUrl: string
  readonly timelineCommand: string
}

/** Operators on duty for a tenant at an instant. */
export type OperatorsOnDuty = (tenant: string, atMs: number) => number

/**
 * Operators on duty from the incidents themselves: the people who acted (claimed, talked,
 * noted, resolved …) on the tenant's incidents within 30 minutes either side. Sessions are
 * not kept as history, so this is what the record can show afterwards.
 */
export const operatorsFromActions = (histories: ReadonlyArray<IncidentHistory>): OperatorsOnDuty => {
  const byTenant = new Map<string, Array<{ ms: number; id: string }>>()
  for (const h of histories) {
    for (const s of h.steps) {
      if (s.actor === undefined || s.actor.kind !== "operator") continue
      const list = byTenant.get(h.tenant) ?? []
      list.push({ ms: Date.parse(s.at), id: s.actor.id })
      byTenant.set(h.tenant, list)
    }
  }
  for (const list of byTenant.values()) list.sort((a, b) => a.ms - b.ms)
  return (tenant, atMs) => {
    const list = byTenant.get(tenant) ?? []
    // First action at or after the window's start, by bisection: a month of actions stays cheap.
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (list[mid]!.ms < atMs - OnDutySlackMs) lo = mid + 1
      else hi = mid
    }
    const ids = new Set<string>()
    for (let i = lo; i < list.length && list[i]!.ms <= atMs + OnDutySlackMs; i++) ids.add(list[i]!.id)
    return ids.size
  }
}

interface Change {
  readonly ms: number
  readonly delta: 1 | -1
  readonly incidentId: string
}

/**
 * Flood periods of alarms received in [fromMs, toMs). The count of the last 10 minutes,
 * (t − 10 min, t], changes only when an alarm arrives or one drops out 10 minutes later; at
 * each such instant the rate is count / max(1, operators on duty), and the flood starts
 * above 10 and ends below 5 (the hysteresis the live flood watch uses).
 */
export const floodReport = (
  histories: ReadonlyArray<IncidentHistory>,
  options: { readonly fromMs: number; readonly toMs: number; readonly nowMs: number; readonly operators: OperatorsOnDuty }
): ReadonlyArray<FloodRow> => {
  const byTenant = new Map<string, Array<{ ms: number; incidentId: string }>>()
  for (const h of histories) {
    const ms = receivedAtMs(h)
    if (ms === undefined || ms < options.fromMs || ms >= options.toMs) continue
    const list = byTenant.get(h.tenant) ?? []
    list.push({ ms, incidentId: h.incidentId })
    byTenant.set(h.tenant, list)
  }
  const rows: Array<FloodRow> = []
  for (const [tenant, alarms] of [...byTenant.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    alarms.sort((a, b) => a.ms - b.ms)
    const changes: Array<Change> = alarms.flatMap((a): ReadonlyArray<Change> => [
      { ms: a.ms, delta: 1, incidentId: a.incidentId },
      { ms: a.ms + FloodWindowMs, delta: -1, incidentId: a.incidentId }
    ])
    changes.sort((a, b) => a.ms - b.ms || a.delta - b.delta)
    let count = 0
    let flooding = false
    let lastArrival = ""
    let current: { from: number; first: string; peak: number; peakOps: number; peakRate: number } | undefined
    const finish = (endMs: number | undefined) => {
      if (current === undefined) return
      const end = endMs ?? options.nowMs
      rows.push({
        tenant,
        from: new Date(current.from).toISOString(),
        to: endMs === undefined ? null : new Date(endMs).toISOString(),
        durationMs: end - current.from,
        alarms: alarms.filter((a) => a.ms >= current!.from && a.ms < end).length,
        peakAlarmsIn10Min: current.peak,
        operatorsAtPeak: current.peakOps,
        peakRate: Math.round(current.peakRate * 100) / 100,
        firstIncidentId: current.first,
        ...timelineLinks(current.first)
      })
      current = undefined
    }
    for (let i = 0; i < changes.length;) {
      const ms = changes[i]!.ms
      if (ms > options.nowMs) break
      // Every change at one instant first, then the rate at that instant.
      for (; i < changes.length && changes[i]!.ms === ms; i++) {
        count += changes[i]!.delta
        if (changes[i]!.delta === 1) lastArrival = changes[i]!.incidentId
      }
      const operators = options.operators(tenant, ms)
      const rate = count / Math.max(1, operators)
      const next = inFlood(flooding, rate)
      if (next && !flooding) current = { from: ms, first: lastArrival, peak: count, peakOps: operators, peakRate: rate }
      if (next && current !== undefined && rate > current.peakRate) {
        current = { ...current, peak: count, peakOps: operators, peakRate: rate }
      }
      if (!next && flooding) finish(ms)
      flooding = next
    }
    if (flooding) finish(undefined)
  }
  return rows
}
