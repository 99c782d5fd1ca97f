import { describe, expect, it } from "@effect/vitest"
import type { ResidentRecord } from "@wt/registry"
import { factsOf } from "./resident-facts.ts"

const record = (overrides: Partial<ResidentRecord> = {}): ResidentRecord => ({
  id: "res-1",
  tenant: "demo",
  displayName: "Test Person",
  birthYear: 1935,
  language: "nb",
  addresses: [
    { kind: "home", street: "Gamleveien 1", postcode: "9990", city: "Fjordvik", lat: 69.148, lon: 17.412 },
    { kind: "temporary", street: "Helsehuset", postcode: "9991", city: "Fjordvik", lat: 69.156, lon: 17.438, validFrom: "2026-11-20", validTo: "2026-12-05" }
  ],
  healthNotes: ["anticoagulants: bleeding risk"],
  mobility: "walker",
  keyAccess: { kind: "e_lock", lockId: "sens-lock-1" },
  dementia: true,
  contacts: [],
  responsePlanId: "plan-dementia",
  devices: [],
  responsePlan: [],
  ...overrides
} as ResidentRecord)

describe("resident facts for a call-out", () => {
  it("a temporary address valid today is where the resident is; outside its dates the home address is", () => {
    expect(factsOf(record(), Date.parse("2026-11-25T12:00:00Z")).currentAddress?.street).toBe("Helsehuset")
    expect(factsOf(record(), Date.parse("2026-12-06T12:00:00Z")).currentAddress?.street).toBe("Gamleveien 1")
  })

  it("critical notes carry the health notes, mobility and dementia; e-lock access names the lock, a key-safe code is never in the offer", () => {
    const facts = factsOf(record(), Date.parse("2026-11-25T12:00:00Z"))
    expect(facts.criticalNotes).toEqual(["anticoagulants: bleeding risk", "mobility: walker", "dementia"])
    expect(facts.access).toEqual({ kind: "e_lock", lockId: "sens-lock-1" })
    expect(factsOf(record({ keyAccess: { kind: "key_safe" } }), 0).access).toEqual({ kind: "key_safe" })
  })
})
