/** Nearest-rank percentile (p in (0, 1]) of unsorted values; null for none. */
export const percentile = (values: ReadonlyArray<number>, p: number): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

/** part / whole, or null when there is nothing to divide. */
export const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole)

/** Rounds for presentation: shares to 4 decimals (0.9850), so a CSV is readable and stable. */
export const round = (value: number | null, decimals = 4): number | null =>
  value === null ? null : Math.round(value * 10 ** decimals) / 10 ** decimals
