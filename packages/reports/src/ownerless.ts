import { outranks, type Priority } from "@wt/contracts"
import { DefaultEscalationLimits, type EscalationLimits } from "@wt/incident"
import { type IncidentHistory, type IncidentStep, isActiveStatus, receivedAtMs, timelineLinks } from "./history.ts"

/**
 * A responsibility gap in one incident:
 * - `unowned`: the incident was active and owned by nobody but the queue for longer than its
 *   priority's escalation limit (P1 30 s, P2 2 min, P3 15 min, P4 1 h by default), measured
 *   from when the queue got it (opening, or a hand-back);
 * - `missing_record`: the stored history skips versions, so who owned it in between cannot be shown.
 */
export interface OwnerlessRow {
  readonly incidentId: string
  readonly tenant: string
  readonly kind: "unowned" | "missing_record"
  /** The most urgent priority the incident had during the interval. */
  readonly priority: Priority
  readonly from: string
  /** Null while the gap lasts. */
  readonly to: string | null
  readonly durationMs: number
  readonly limitMs: number | null
  readonly beyondLimitMs: number | null
  /** Escalations the engine raised during the interval. */
  readonly escalations: number
  readonly timelineUrl: string
  readonly timelineCommand: string
}

const mostUrgent = (steps: ReadonlyArray<IncidentStep>): Priority =>
  steps.reduce<Priority>((p, s) => (outranks(s.priority, p) ? s.priority : p), "P4")

const unownedIntervals = (
  h: IncidentHistory,
  nowMs: number,
  limits: EscalationLimits
): ReadonlyArray<OwnerlessRow> => {
  const rows: Array<OwnerlessRow> = []
  let start: number | undefined
  const close = (endIndex: number | undefined, endAt?: string) => {
    if (start === undefined) return
    const during = h.steps.slice(start, endIndex)
    const from = h.steps[start]!.at
    const to = endAt ?? (endIndex === undefined ? null : h.steps[endIndex]!.at)
    const durationMs = (to === null ? nowMs : Date.parse(to)) - Date.parse(from)
    const priority = mostUrgent(during)
    const limitMs = limits[priority]
    start = undefined
    if (durationMs <= limitMs) return
    rows.push({
      incidentId: h.incidentId,
      tenant: h.tenant,
      kind: "unowned",
      priority,
      from,
      to,
      durationMs,
      limitMs,
      beyondLimitMs: durationMs - limitMs,
      escalations: during.filter((s) => s.eventType === "incident_escalated").length,
      ...timelineLinks(h.incidentId)
    })
  }
  h.steps.forEach((step, i) => {
    // Across missing records nobody can say who owned it: that is a gap of its own (below).
    const before = h.steps[i - 1]
    if (before !== undefined && step.version !== before.version + 1) close(i, before.at)
    const nobody = step.owner.kind === "queue" && isActiveStatus(step.status)
    if (nobody && start === undefined) start = i
    else if (!nobody) close(i)
  })
  close(undefined)
  return rows
}

const missingRecords = (h: IncidentHistory): ReadonlyArray<OwnerlessRow> =>
  h.steps.flatMap((step, i): ReadonlyArray<OwnerlessRow> => {
    // Before the first stored record, when that is not the opening: the gap has no known start.
    const before = h.steps[i - 1] ?? (step.version === 1 ? undefined : step)
    if (before === undefined || (before !== step && step.version === before.version + 1)) return []
    return [{
      incidentId: h.incidentId,
      tenant: h.tenant,
      kind: "missing_record",
      priority: mostUrgent([before, step]),
      from: before.at,
      to: step.at,
      durationMs: Date.parse(step.at) - Date.parse(before.at),
      limitMs: null,
      beyondLimitMs: null,
      escalations: 0,
      ...timelineLinks(h.incidentId)
    }]
  })

/** Responsibility gaps of incidents received in [fromMs, toMs), judged at `nowMs`. */
export const ownerlessReport = (
  histories: ReadonlyArray<IncidentHistory>,
  options: { readonly fromMs: number; readonly toMs: number; readonly nowMs: number; readonly limits?: EscalationLimits }
): ReadonlyArray<OwnerlessRow> =>
  histories.flatMap((h) => {
    const received = receivedAtMs(h)
    // A history whose opening record is missing is itself a gap; it is judged by its first record.
    const firstMs = received ?? Date.parse(h.steps[0]?.at ?? "")
    if (!(firstMs >= options.fromMs && firstMs < options.toMs)) return []
    return [...unownedIntervals(h, options.nowMs, options.limits ?? DefaultEscalationLimits), ...missingRecords(h)]
  }).sort((a, b) => a.from.localeCompare(b.from) || a.incidentId.localeCompare(b.incidentId))
