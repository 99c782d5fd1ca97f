import type { Owner } from "@wt/contracts"
import { type IncidentHistory, type IncidentStep, isActiveStatus } from "./history.ts"

/** Who owned an active incident over one stretch of time, from the states stored with its records. */
export interface OwnershipSpan {
  readonly owner: Owner
  readonly from: string
  /** Null while it still owns it. */
  readonly to: string | null
  readonly durationMs: number
  /** The records during the span, the first being the one that handed the incident over. */
  readonly steps: ReadonlyArray<IncidentStep>
}

const sameOwner = (a: Owner, b: Owner) => a.kind === b.kind && a.id === b.id

/**
 * Ownership of an incident while it was active: a new span at every change of owner, ending
 * when handling ended (resolved, cancelled, merged) or, still open, at `nowMs`. Where the
 * stored history skips versions the span ends at the last record before the hole, since who
 * owned it across the hole cannot be shown.
 */
export const ownershipSpans = (h: IncidentHistory, nowMs: number): ReadonlyArray<OwnershipSpan> => {
  const spans: Array<OwnershipSpan> = []
  let start: number | undefined
  const close = (endIndex: number | undefined, to: string | null) => {
    if (start === undefined) return
    const first = h.steps[start]!
    spans.push({
      owner: first.owner,
      from: first.at,
      to,
      durationMs: (to === null ? nowMs : Date.parse(to)) - Date.parse(first.at),
      steps: h.steps.slice(start, endIndex)
    })
    start = undefined
  }
  h.steps.forEach((step, i) => {
    const before = h.steps[i - 1]
    if (before !== undefined && step.version !== before.version + 1) close(i, before.at)
    if (!isActiveStatus(step.status)) close(i, step.at)
    else if (start === undefined) start = i
    else if (!sameOwner(h.steps[start]!.owner, step.owner)) {
      close(i, step.at)
      start = i
    }
  })
  close(undefined, null)
  return spans
}
