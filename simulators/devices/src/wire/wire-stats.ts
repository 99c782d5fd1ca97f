/**
 * What a protocol sender saw on the wire: frames written (resends included), answers, timeouts,
 * and the time from writing a frame to its answer. Kept apart from the event tally: one event may
 * take several frames, and one webhook request carries several events.
 */
export interface WireStatsSummary {
  /** Requests or frames written, resends included. */
  readonly frames: number
  readonly answered: number
  readonly resends: number
  /** Attempts that got no (matching) answer in time. */
  readonly timeouts: number
  /** Answers that answered nothing in flight (a late ACK of a frame already resent and answered). */
  readonly stray: number
  readonly p50Ms: number | null
  readonly p90Ms: number | null
  readonly p99Ms: number | null
  readonly maxMs: number | null
}

export interface WireStats {
  readonly wrote: () => void
  readonly resent: () => void
  readonly timedOut: () => void
  readonly strayAnswer: () => void
  /** An answer arrived `ms` after its frame was written. */
  readonly answeredIn: (ms: number) => void
  readonly summary: () => WireStatsSummary
  /** Every answer time so far, in arrival order (for a benchmark's own percentiles). */
  readonly samples: () => ReadonlyArray<number>
  readonly reset: () => void
}

/** Keeps at most this many answer times; past it, a reservoir sample of them. */
const MaxSamples = 1_000_000

const nearestRank = (sorted: Float64Array, p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100)

export const makeWireStats = (): WireStats => {
  let frames = 0, answered = 0, resends = 0, timeouts = 0, stray = 0
  let latencies: Array<number> = []
  // A fixed-seed generator for the reservoir: only which samples are kept depends on it.
  let seed = 0x2545f491
  const random = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 0x100000000
  }
  return {
    wrote: () => void frames++,
    resent: () => void resends++,
    timedOut: () => void timeouts++,
    strayAnswer: () => void stray++,
    answeredIn: (ms) => {
      answered++
      if (latencies.length < MaxSamples) latencies.push(ms)
      else {
        const at = Math.floor(random() * answered)
        if (at < MaxSamples) latencies[at] = ms
      }
    },
    summary: () => {
      const sorted = Float64Array.from(latencies).sort()
      return {
        frames,
        answered,
        resends,
        timeouts,
        stray,
        p50Ms: round2(nearestRank(sorted, 50)),
        p90Ms: round2(nearestRank(sorted, 90)),
        p99Ms: round2(nearestRank(sorted, 99)),
        maxMs: round2(sorted.length === 0 ? null : sorted[sorted.length - 1]!)
      }
    },
    samples: () => latencies,
    reset: () => {
      frames = answered = resends = timeouts = stray = 0
      latencies = []
    }
  }
}
