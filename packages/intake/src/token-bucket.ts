/**
 * A sender's budget: it may send `burst` events at once, and the budget refills at
 * `perSecond` events a second up to `burst` again. A device that flushes the reports it
 * buffered through an outage spends its burst; one that loops spends its burst and then
 * gets only `perSecond`.
 */
export interface Rate {
  readonly perSecond: number
  readonly burst: number
}

/** What is left of a budget, as of `at` (milliseconds). */
export interface Bucket {
  readonly tokens: number
  readonly at: number
}

export type Take =
  | { readonly _tag: "Taken"; readonly bucket: Bucket }
  /** Not enough left: `retryAfterMs` until `n` events fit again (never less than 1 ms). */
  | { readonly _tag: "Empty"; readonly bucket: Bucket; readonly retryAfterMs: number }

/** The budget as it stands at `now`: refilled for the time since it was last touched, up to its burst. */
export const refill = (bucket: Bucket | undefined, rate: Rate, now: number): Bucket => {
  if (bucket === undefined) return { tokens: rate.burst, at: now }
  // A clock that went back refills nothing, and never takes from what was there.
  const elapsedMs = Math.max(0, now - bucket.at)
  return { tokens: Math.min(rate.burst, bucket.tokens + (elapsedMs * rate.perSecond) / 1000), at: Math.max(now, bucket.at) }
}

/** Takes `n` events from the budget at `now`, or says how long until they would fit. Pure. */
export const take = (bucket: Bucket | undefined, rate: Rate, now: number, n = 1): Take => {
  const current = refill(bucket, rate, now)
  if (current.tokens >= n) return { _tag: "Taken", bucket: { tokens: current.tokens - n, at: current.at } }
  const missing = Math.min(n, rate.burst) - current.tokens
  const retryAfterMs = rate.perSecond > 0 ? Math.max(1, Math.ceil((missing * 1000) / rate.perSecond)) : Number.POSITIVE_INFINITY
  return { _tag: "Empty", bucket: current, retryAfterMs }
}

/** Whether the budget has refilled whole by `now`: such a bucket carries nothing and can be forgotten. */
export const isFull = (bucket: Bucket, rate: Rate, now: number): boolean => refill(bucket, rate, now).tokens >= rate.burst
