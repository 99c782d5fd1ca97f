import { Clock, Effect } from "effect"

export interface Pacer {
  /** Waits until `n` more events may leave without exceeding the rate. */
  readonly take: (n: number) => Effect.Effect<void>
}

/**
 * A token bucket holding at most `burst` events. Taking more than is available borrows
 * from the future and sleeps off the debt, so the long-run rate is exact even when
 * batches are larger than the refill per tick. A rate of 0 (or Infinity) means unpaced.
 */
export const makePacer = (ratePerS: number, burst: number): Pacer => {
  if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) return { take: () => Effect.void }
  let tokens = burst
  let lastMs: number | undefined
  return {
    take: Effect.fnUntraced(function*(n: number) {
      const now = yield* Clock.currentTimeMillis
      tokens = Math.min(burst, tokens + ((now - (lastMs ?? now)) * ratePerS) / 1000)
      lastMs = now
      tokens -= n
      if (tokens < 0) yield* Effect.sleep(Math.ceil((-tokens * 1000) / ratePerS))
    })
  }
}
