import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { ConfigProvider, Effect } from "effect"
import { failuresSoFar, isLock, SignInConfig, type ThrottlePolicy, waitAfterFailure } from "./sign-in-policy.ts"

const policy = fc.record({
  freeFailures: fc.integer({ min: 0, max: 30 }),
  extra: fc.integer({ min: 1, max: 100 }),
  maxDelayMs: fc.integer({ min: 1, max: 3_600_000 }),
  lockForMs: fc.integer({ min: 1, max: 24 * 3_600_000 }),
  windowMs: fc.integer({ min: 1, max: 24 * 3_600_000 })
}).map(({ extra, ...p }): ThrottlePolicy => ({ ...p, lockAfter: p.freeFailures + extra }))

describe("sign-in throttling policy", () => {
  it("no wait for the free failures; then waits that never shrink, capped below the lock; the lock from its threshold on", () =>
    fc.assert(fc.property(policy, (p) => {
      let previous = 0
      for (let n = 1; n <= p.lockAfter + 3; n++) {
        const wait = waitAfterFailure(p, n)
        if (n <= p.freeFailures) expect(wait).toBe(0)
        else if (n >= p.lockAfter) {
          expect(wait).toBe(p.lockForMs)
          expect(isLock(p, n)).toBe(true)
        } else {
          expect(wait).toBeGreaterThan(0)
          expect(wait).toBeLessThanOrEqual(Math.min(p.maxDelayMs, p.lockForMs))
          expect(wait).toBeGreaterThanOrEqual(Math.min(previous, p.maxDelayMs, p.lockForMs))
          expect(isLock(p, n)).toBe(false)
        }
        previous = wait
      }
    })))

  it("failures are forgotten only after the window has passed without one", () =>
    fc.assert(fc.property(policy, fc.nat(), fc.nat(), (p, failures, since) => {
      expect(failuresSoFar(p, failures, since)).toBe(since > p.windowMs ? 0 : failures)
    })))

  it.effect("the defaults: a user name waits 1, 2, 4, 8 s after the 6th to 9th failure and is locked 15 minutes at the 10th; an address has 20 free and locks at 100", () =>
    Effect.gen(function*() {
      const p = yield* SignInConfig.parse(ConfigProvider.fromEnv({ env: {} }))
      expect([5, 6, 7, 8, 9, 10, 11].map((n) => waitAfterFailure(p.user, n))).toEqual([0, 1000, 2000, 4000, 8000, 900_000, 900_000])
      expect(waitAfterFailure(p.address, 20)).toBe(0)
      expect(waitAfterFailure(p.address, 21)).toBe(1000)
      expect(waitAfterFailure(p.address, 99)).toBe(60_000)
      expect(isLock(p.address, 100)).toBe(true)
      expect(p.knownDeviceMs).toBe(180 * 24 * 3600 * 1000)
      // A threshold set lower than the free allowance still locks at the threshold.
      const strict = yield* SignInConfig.parse(ConfigProvider.fromEnv({ env: { WT_SIGNIN_LOCK_AFTER: "3" } }))
      expect([1, 2, 3].map((n) => waitAfterFailure(strict.user, n))).toEqual([0, 0, 900_000])
    }))
})
