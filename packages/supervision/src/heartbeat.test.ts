import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { isSilent, markSilenceRaised, registeredSighting, sighted, silenceDeadlineMs } from "./heartbeat.ts"
import { DefaultPolicy, type SupervisionPolicy } from "./policy.ts"

const t0 = Date.parse("2026-11-25T21:00:00Z")
const withGrace = (grace: SupervisionPolicy["heartbeat"]["grace"]): SupervisionPolicy => ({
  ...DefaultPolicy,
  heartbeat: { ...DefaultPolicy.heartbeat, grace }
})

describe("heartbeat supervision", () => {
  it.each([
    // interval s, grace, seconds after last seen, silent?
    [60, { seconds: 30 }, 89, false],
    [60, { seconds: 30 }, 90, false],
    [60, { seconds: 30 }, 90.001, true],
    [300, { seconds: 30 }, 320, false],
    [300, { seconds: 30 }, 331, true],
    [60, { fraction: 0.5 }, 90, false],
    [60, { fraction: 0.5 }, 91, true],
    [3600, { fraction: 0.25 }, 4400, false],
    [3600, { fraction: 0.25 }, 4501, true],
    [2, { seconds: 1 }, 3.5, true]
  ] as const)("interval %i s, grace %o: %f s after the last sign of life silent = %s", (intervalS, grace, after, silent) => {
    const sighting = sighted(undefined, t0, intervalS)
    expect(isSilent(sighting, intervalS, withGrace(grace), t0 + after * 1000)).toBe(silent)
  })

  it("the deadline is last seen + interval + grace", () => {
    expect(silenceDeadlineMs(sighted(undefined, t0, 60), 60, DefaultPolicy)).toBe(t0 + 90_000)
  })

  it("a device that never reported is supervised from its registration", () => {
    const sighting = registeredSighting(t0, 60)
    expect(isSilent(sighting, 60, DefaultPolicy, t0 + 90_000)).toBe(false)
    expect(isSilent(sighting, 60, DefaultPolicy, t0 + 90_001)).toBe(true)
  })

  it("a silence raised once is not due again; a new sign of life starts a new watch", () => {
    const silent = sighted(undefined, t0, 60)
    const raised = markSilenceRaised(silent)
    expect(isSilent(raised, 60, DefaultPolicy, t0 + 3_600_000)).toBe(false)
    const back = sighted(raised, t0 + 3_600_000, 60)
    expect(isSilent(back, 60, DefaultPolicy, t0 + 3_600_000 + 60_000)).toBe(false)
    expect(isSilent(back, 60, DefaultPolicy, t0 + 3_600_000 + 91_000)).toBe(true)
  })

  it("signs of life in any order leave the latest one; last seen never moves backwards", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: t0, max: t0 + 86_400_000 }), { minLength: 1, maxLength: 40 }), (times) => {
        let sighting = sighted(undefined, times[0]!, 60)
        let previous = sighting.lastSeenMs
        for (const t of times.slice(1)) {
          sighting = sighted(sighting, t, 60)
          if (sighting.lastSeenMs < previous) return false
          previous = sighting.lastSeenMs
        }
        return sighting.lastSeenMs === Math.max(...times) && sighting.sinceMs === times[0]
      })
    )
  })
})
