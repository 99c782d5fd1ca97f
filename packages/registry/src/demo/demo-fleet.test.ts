import { describe, expect, it } from "@effect/vitest"
import { demoFleet } from "./demo-fleet.ts"

const deviceIdPattern = /^[A-Za-z0-9_-]{1,64}$/u

describe("demo fleet", () => {
  it("is the same fleet every time for the same seed, and a different one for another seed", () => {
    expect(demoFleet()).toStrictEqual(demoFleet())
    expect(demoFleet({ seed: 7 })).toStrictEqual(demoFleet({ seed: 7 }))
    expect(demoFleet({ seed: 7 }).residents).not.toStrictEqual(demoFleet().residents)
  })

  it("gives every resident exactly one safety alarm, with unique subject-safe device ids", () => {
    const fleet = demoFleet()
    expect(fleet.tenant.id).toBe("demo")
    expect(fleet.residents).toHaveLength(300)
    const ids = fleet.residents.flatMap((r) => r.devices.map((d) => d.id))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(deviceIdPattern)
    for (const r of fleet.residents) {
      expect(r.devices.filter((d) => d.type === "safety_alarm")).toHaveLength(1)
    }
  })

  it("has a GPS legal basis and geofence exactly for residents with a GPS tracker", () => {
    for (const r of demoFleet().residents) {
      const hasGps = r.devices.some((d) => d.type === "gps")
      expect(r.gpsLegalBasis !== undefined).toBe(hasGps)
      expect(r.geofence !== undefined).toBe(hasGps)
    }
  })

  it("references only response plans that exist, and every plan covers the safety alarm", () => {
    const fleet = demoFleet()
    const planIds = new Set(fleet.responsePlans.map((p) => p.id))
    for (const r of fleet.residents) expect(planIds.has(r.responsePlanId)).toBe(true)
    for (const id of planIds) {
      expect(fleet.responsePlans.some((p) => p.id === id && p.alarmType === "safety_alarm")).toBe(true)
    }
  })

  it("matches the intended population mix", () => {
    const residents = demoFleet().residents
    const share = (f: (r: (typeof residents)[number]) => boolean) => residents.filter(f).length / residents.length
    expect(share((r) => 2026 - r.birthYear > 75)).toBeGreaterThan(0.78)
    expect(share((r) => r.devices.some((d) => d.type === "gps"))).toBeGreaterThan(0.08)
    expect(share((r) => r.devices.some((d) => d.type === "gps"))).toBeLessThan(0.22)
    expect(share((r) => r.devices.some((d) => d.type === "medication"))).toBeGreaterThan(0.12)
    expect(share((r) => r.devices.some((d) => d.triggers?.includes("fall_detector") ?? false))).toBeGreaterThan(0.3)
    expect(share((r) => r.addresses.length === 2)).toBeGreaterThan(0)
    expect(share((r) => r.language !== "nb")).toBeGreaterThan(0.05)
  })
})
