import type { Actor } from "@wt/contracts"
import type { TimelineRow } from "@wt/read-models"

/** Who owned the incident over one stretch of time. */
export interface OwnershipInterval {
  readonly owner: { readonly kind: string; readonly id: string; readonly name?: string }
  readonly from: string
  /** Absent: still owned (the incident has not ended). */
  readonly to?: string
  readonly durationMs?: number
  /** The timeline kind that handed the incident to this owner. */
  readonly because: string
}

const Ending = new Set(["incident_resolved", "incident_cancelled", "incident_merged", "incident_closed"])

const fromActor = (a: Actor) => ({ kind: "operator", id: a.id, ...(a.name === undefined ? {} : { name: a.name }) })

const isOwner = (u: unknown): u is OwnershipInterval["owner"] =>
  typeof u === "object" && u !== null && typeof (u as { kind?: unknown }).kind === "string" && typeof (u as { id?: unknown }).id === "string"

/**
 * The new owner a timeline row hands the incident to, as the incident's own state
 * changes it: the queue on opening, the operator who claims or closes it, or any
 * owner an event names explicitly (e.g. a responder team on dispatch).
 */
const newOwner = (row: TimelineRow, tenant: string): OwnershipInterval["owner"] | undefined => {
  const detail = row.detail as { owner?: unknown } | null | undefined
  if (detail !== null && typeof detail === "object" && isOwner(detail.owner)) return detail.owner
  switch (row.kind) {
    case "incident_opened":
      return { kind: "queue", id: tenant }
    case "incident_claimed":
    case "incident_closed":
      return fromActor(row.actor)
    default:
      return undefined
  }
}

/**
 * Who owned the incident from its opening to its end, from the timeline alone.
 * Exactly one owner at every instant; the last interval ends when handling ended
 * (resolved, cancelled, merged or closed, whichever came last) or stays open.
 */
export const ownershipIntervals = (rows: ReadonlyArray<TimelineRow>, tenant: string): ReadonlyArray<OwnershipInterval> => {
  const out: Array<{ owner: OwnershipInterval["owner"]; from: string; because: string }> = []
  let endedAt: string | undefined
  for (const row of rows) {
    const owner = newOwner(row, tenant)
    if (owner !== undefined) {
      const current = out.at(-1)
      if (current === undefined || current.owner.kind !== owner.kind || current.owner.id !== owner.id) {
        out.push({ owner, from: row.at, because: row.kind })
      }
    }
    if (Ending.has(row.kind)) endedAt = row.at
  }
  return out.flatMap((interval, i) => {
    const to = out[i + 1]?.from ?? endedAt
    if (to === undefined) return [interval]
    const durationMs = Date.parse(to) - Date.parse(interval.from)
    // A hand-over at the very instant handling ended (closing) is not a stretch of ownership.
    if (durationMs <= 0 && i > 0) return []
    return [{ ...interval, to, durationMs }]
  })
}

export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${ms} ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}
