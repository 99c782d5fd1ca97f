/**
 * The receivers' own measure of a frame's wait, `wt_receiver_answer_ms{protocol}` (arrival to answer,
 * after JetStream stored its event), read from a service's /metrics before and after a phase: it
 * tells time spent inside the receiver from time spent in the sender, the kernel and the run queue.
 */
import { scrapeFamily } from "./consumer-progress.ts"

export interface AnswerBuckets {
  /** Cumulative counts by upper bound in ms (`+Inf` as Infinity), ascending. */
  readonly buckets: ReadonlyArray<readonly [number, number]>
}

export interface ReceiverSide {
  readonly answers: number
  /** Bucket bounds the percentile falls under (the histogram's resolution, not an exact figure). */
  readonly p50_le_ms: number | null
  readonly p99_le_ms: number | null
  readonly over_50_ms: number
}

export const readAnswerBuckets = async (serviceUrl: string, protocol: string): Promise<AnswerBuckets> => {
  const samples = await scrapeFamily(serviceUrl, "wt_receiver_answer_ms_bucket").catch(() => [])
  const byLe = new Map<number, number>()
  for (const s of samples) {
    if (!s.labels.includes(`protocol="${protocol}"`)) continue
    const le = /le="([^"]+)"/u.exec(s.labels)?.[1]
    if (le === undefined) continue
    const bound = le === "+Inf" ? Infinity : Number(le)
    byLe.set(bound, (byLe.get(bound) ?? 0) + s.value)
  }
  return { buckets: [...byLe].sort((a, b) => a[0] - b[0]) }
}

export const receiverSideSince = (before: AnswerBuckets, after: AnswerBuckets): ReceiverSide => {
  const prior = new Map(before.buckets)
  const diff = after.buckets.map(([le, n]) => [le, n - (prior.get(le) ?? 0)] as const)
  const total = diff.length === 0 ? 0 : diff[diff.length - 1]![1]
  const at = (p: number) => {
    if (total === 0) return null
    const rank = Math.ceil((p / 100) * total)
    const hit = diff.find(([, n]) => n >= rank)
    return hit === undefined || hit[0] === Infinity ? null : hit[0]
  }
  const under50 = diff.filter(([le]) => le <= 50).at(-1)?.[1] ?? 0
  return { answers: total, p50_le_ms: at(50), p99_le_ms: at(99), over_50_ms: total - under50 }
}
