import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { classify, DefaultRuleSet, RuleBook, type RuleSet, ruleSetAt } from "./index.ts"
import { ctxFor, ev } from "./test-events.ts"

// Fjordvik raised a night door opening to P1 from 2027; a report over 2026–2027 must still say which rule applied when.
const fjordvik2026: RuleSet = { ...DefaultRuleSet, version: "fjordvik-2026.1", validFrom: "2026-01-01T00:00:00Z", validTo: "2027-01-01T00:00:00+01:00" }
const fjordvik2027: RuleSet = {
  ...DefaultRuleSet,
  version: "fjordvik-2027.1",
  validFrom: "2027-01-01T00:00:00+01:00",
  rules: DefaultRuleSet.rules.map((r) => (r.id === "door.night-opened" ? { ...r, priority: "P1" as const } : r))
}
const book: RuleBook = { defaults: [DefaultRuleSet], tenants: { fjordvik: [fjordvik2027, fjordvik2026] } }

const doorAt = (at: string) => ({ ...ev("sensor", { sensor: "door", state: "opened" }, at), tenant: "fjordvik" })

describe("rule-set versions", () => {
  it("decides by the version valid at the instant, and names it", () => {
    const before = doorAt("2026-12-31T22:59:00Z") // 23:59 local, still 2026
    const after = doorAt("2026-12-31T23:00:00Z") // midnight local: 2027 begins
    const d1 = classify(before, ruleSetAt(book, "fjordvik", before.occurredAt), ctxFor(before))
    const d2 = classify(after, ruleSetAt(book, "fjordvik", after.occurredAt), ctxFor(after))
    expect([d1?.ruleId, d1?.priority, d1?.ruleSetVersion]).toEqual(["door.night-opened", "P2", "fjordvik-2026.1"])
    expect([d2?.ruleId, d2?.priority, d2?.ruleSetVersion]).toEqual(["door.night-opened", "P1", "fjordvik-2027.1"])
  })

  it("compares instants as times, not as strings, across zone offsets", () => {
    // 2027-01-01T00:30+01:00 is 2026-12-31T23:30Z: already 2027 in Fjordvik.
    expect(ruleSetAt(book, "fjordvik", "2027-01-01T00:30:00+01:00").version).toBe("fjordvik-2027.1")
    expect(ruleSetAt(book, "fjordvik", "2026-12-31T23:30:00Z").version).toBe("fjordvik-2027.1")
    expect(ruleSetAt(book, "fjordvik", "2026-12-31T23:30:00+01:00").version).toBe("fjordvik-2026.1")
  })

  it("falls back to the default for a tenant without rules of its own, or before its first version", () => {
    expect(ruleSetAt(book, "other", "2027-06-01T00:00:00Z").version).toBe(DefaultRuleSet.version)
    expect(ruleSetAt(book, "fjordvik", "2026-11-15T00:00:00Z").version).toBe("fjordvik-2026.1")
    const late: RuleBook = { defaults: [DefaultRuleSet], tenants: { fjordvik: [fjordvik2027] } }
    expect(ruleSetAt(late, "fjordvik", "2026-12-01T00:00:00Z").version).toBe(DefaultRuleSet.version)
  })

  it("lets the version that started last supersede an overlapping one", () => {
    const { validTo: _, ...openEnded } = fjordvik2026
    const overlapping: RuleBook = { defaults: [DefaultRuleSet], tenants: { fjordvik: [openEnded, fjordvik2027] } }
    expect(ruleSetAt(overlapping, "fjordvik", "2027-03-01T00:00:00Z").version).toBe("fjordvik-2027.1")
    expect(ruleSetAt(overlapping, "fjordvik", "2026-03-01T00:00:00Z").version).toBe("fjordvik-2026.1")
  })

  it("never leaves an event without rules: an instant no version covers gets the newest version", () => {
    const next: RuleSet = { ...DefaultRuleSet, version: "default-2027.1", validFrom: "2027-01-01T00:00:00Z" }
    const defaults: RuleBook = { defaults: [DefaultRuleSet, next], tenants: {} }
    expect(ruleSetAt(defaults, "demo", "1970-01-01T00:00:00Z").version).toBe("default-2027.1")
    expect(ruleSetAt(defaults, "demo", "2026-13-45T99:00:00Z").version).toBe("default-2027.1")
    expect(ruleSetAt(defaults, "demo", "2026-12-01T00:00:00Z").version).toBe(DefaultRuleSet.version)
    // A tenant with rules of its own keeps them: its newest version, not the default.
    expect(ruleSetAt(book, "fjordvik", "2026-13-45T99:00:00Z").version).toBe("fjordvik-2027.1")
  })

  it("a rule book is data: it survives a JSON round trip through its schema", () => {
    const decoded = Schema.decodeUnknownSync(RuleBook)(JSON.parse(JSON.stringify(book)))
    expect(decoded).toEqual(book)
    expect(() => Schema.decodeUnknownSync(RuleBook)({ defaults: [{ ...DefaultRuleSet, parameters: { ...DefaultRuleSet.parameters, timeZone: "Mars/Olympus" } }], tenants: {} })).toThrow(/time zone/)
  })
})
