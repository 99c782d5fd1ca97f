import { outranks, type Priority } from "@wt/contracts"
import { DefaultEscalationLimits, type EscalationLimits } from "@wt/incident"
import { type IncidentHistory, type IncidentStep, receivedAtMs, timelineLinks } from "./history.ts"
import { ownershipSpans } from "./ownership.ts"

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

const unownedIntervals = (h: IncidentHistory, nowMs: number, limits: EscalationLimits): ReadonlyArray<OwnerlessRow> =>
  ownershipSpans(h, nowMs).flatMap((span): ReadonlyArray<OwnerlessRow> => {
    if (span.owner.kind !== "queue") return []
    const priority = mostUrgent(span.steps)
    const limitMs = limits[priority]
    if (span.durationMs <= limitMs) return []
    return [{
      incidentId: h.incidentId,
      tenant: h.tenant,
      kind: "unowned",
      priority,
      from: span.from,
      to: span.to,
      durationMs: span.durationMs,
      limitMs,
      beyondLimitMs: span.durationMs - limitMs,
      escalations: span.steps.filter((s) => s.eventType === "incident_escalated").length,
      ...timelineLinks(h.incidentId)
    }]
  })

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
