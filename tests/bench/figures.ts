/** Percentiles and histograms of latency samples, as the report prints and charts them. */

export interface LatencySummary {
  readonly samples: number
  readonly p50: number | null
  readonly p90: number | null
  readonly p99: number | null
  readonly max: number | null
  /** P1s sent whose incident never reached the live stream within the wait. */
  readonly missing: number
}

/** Nearest-rank percentile; null when there are no samples (a missed probe is never a zero). */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number | null => {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export const summarize = (samples: ReadonlyArray<number>, missing: number): LatencySummary => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
    missing
  }
}

export const round1 = (x: number): number => Math.round(x * 10) / 10
