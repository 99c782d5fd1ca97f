import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type Bucket, refill, take } from "./token-bucket.ts"

const rate = fc.record({ perSecond: fc.double({ min: 0.01, max: 10_000, noNaN: true }), burst: fc.integer({ min: 1, max: 10_000 }) })

describe("token bucket", () => {
  it("a new budget takes its burst at once and not one more", () => {
    const r = { perSecond: 5, burst: 300 }
    let bucket: Bucket | undefined
    for (let i = 0; i < 300; i++) {
      const t = take(bucket, r, 1_000)
      expect(t._tag).toBe("Taken")
      bucket = t.bucket
    }
    const over = take(bucket, r, 1_000)
    expect(over._tag).toBe("Empty")
    // One event refills in 1/5 s.
    expect(over._tag === "Empty" && over.retryAfterMs).toBe(200)
    expect(take(over.bucket, r, 1_200)._tag).toBe("Taken")
  })

  it("over any schedule, what is taken never exceeds burst + rate × elapsed time", () => {
    fc.assert(
      fc.property(rate, fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 5_000 }), n: fc.integer({ min: 1, max: 50 }) }), { maxLength: 200 }), (r, asks) => {
        let bucket: Bucket | undefined
        let now = 0
        let taken = 0
        for (const ask of asks) {
          now += ask.gapMs
          const t = take(bucket, r, now, ask.n)
          if (t._tag === "Taken") taken += ask.n
          bucket = t.bucket
        }
        expect(taken).toBeLessThanOrEqual(r.burst + (r.perSecond * now) / 1000 + 1e-6)
      })
    )
  })

  it("an empty answer's wait is enough: asking again after retryAfterMs succeeds", () => {
    fc.assert(
      fc.property(rate, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100_000 }), (r, n, now) => {
        fc.pre(n <= r.burst)
        const drained = { tokens: 0, at: now }
        const t = take(drained, r, now, n)
        if (t._tag === "Taken") return
        expect(take(t.bucket, r, now + t.retryAfterMs, n)._tag).toBe("Taken")
      })
    )
  })

  it("a clock that goes back neither refills nor takes away", () => {
    fc.assert(
      fc.property(rate, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 10_000 }), (r, share, back) => {
        const bucket = { tokens: r.burst * share, at: 50_000 }
        expect(refill(bucket, r, 50_000 - back).tokens).toBe(bucket.tokens)
      })
    )
  })
})
