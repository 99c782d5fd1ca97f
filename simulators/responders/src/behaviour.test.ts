import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { makeRng } from "@wt/seeded-random"
import { arrivalPosition, DemoBehaviour, respondToOffer } from "./behaviour.ts"

const home = { kind: "home" as const, street: "s", postcode: "9990", city: "Fjordvik", lat: 69.148, lon: 17.412 }
const metres = (a: { lat: number; lon: number }) => Math.hypot((a.lat - home.lat) * 111_000, (a.lon - home.lon) * 111_000 * Math.cos((home.lat * Math.PI) / 180))

describe("simulated responder behaviour", () => {
  it("accepts, rejects and ignores offers in about the configured shares, the same way for the same seed", () => {
    const draw = (seed: number) => {
      const rng = makeRng(seed)
      return Array.from({ length: 4000 }, () => respondToOffer(rng, DemoBehaviour).kind)
    }
    const kinds = draw(42)
    const share = (k: string) => kinds.filter((x) => x === k).length / kinds.length
    expect(share("accept")).toBeGreaterThan(0.77)
    expect(share("accept")).toBeLessThan(0.83)
    expect(share("reject")).toBeGreaterThan(0.08)
    expect(share("ignore")).toBeGreaterThan(0.08)
    expect(draw(42)).toEqual(kinds)
  })

  it("an accepted offer is answered within seconds and travels in compressed time; arrivals land at the address unless told otherwise", () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const rng = makeRng(seed)
      const plan = respondToOffer(rng, { ...DemoBehaviour, acceptShare: 1, rejectShare: 0 })
      expect(plan.kind).toBe("accept")
      if (plan.kind !== "accept") return
      expect(plan.afterMs).toBeGreaterThanOrEqual(2000)
      expect(plan.afterMs).toBeLessThanOrEqual(5000)
      expect(plan.travelMs).toBeLessThanOrEqual(plan.etaMinutes * DemoBehaviour.msPerMinute * 1.1 + 1)
      expect(metres(arrivalPosition(rng, home, false))).toBeLessThan(20)
      expect(metres(arrivalPosition(rng, home, true))).toBeGreaterThan(0)
    }))
  })
})
