import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { changedFields, configChangeEntry } from "./config-change.ts"

const actor = { kind: "admin" as const, id: "user-admin", name: "Demo Admin" }
const base = { id: "cfg-1", tenant: "demo", at: "2026-11-25T21:00:00.000Z", actor, entity: "resident" as const, entityId: "res-1", subject: { residentId: "res-1" } }

// Values long enough that finding one inside a hex digest by chance is out of the question.
const secret = fc.string({ minLength: 12, maxLength: 40 }).filter((s) => !/^[0-9a-f]+$/u.test(s) && s.trim() === s && !s.includes("\\"))
const record = fc.dictionary(fc.constantFrom("displayName", "language", "healthNotes", "street"), secret, { minKeys: 1 })

describe("configChangeEntry", () => {
  it("names exactly the fields whose values differ, whatever the key order", () =>
    fc.assert(fc.property(record, record, (before, after) => {
      const fields = changedFields(before, after)
      for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
        expect(fields.includes(k)).toBe(before[k] !== after[k])
      }
      expect(changedFields(after, before)).toEqual(fields)
      expect(changedFields({ a: { x: 1, y: [1, 2] } }, { a: { y: [1, 2], x: 1 } })).toEqual([])
    })))

  it("without disclosure, carries no value of the record, only a digest per changed field", () =>
    fc.assert(fc.property(record, record, (before, after) => {
      const entry = configChangeEntry({ ...base, before, after, disclose: false })
      const text = JSON.stringify(entry)
      for (const value of [...Object.values(before), ...Object.values(after)]) expect(text).not.toContain(JSON.stringify(value).slice(1, -1))
      const data = entry.data as { fields: Array<string>; before: Record<string, string>; after: Record<string, string> }
      expect(Object.keys(data.after).sort()).toEqual(data.fields)
      for (const f of data.fields) {
        expect(data.after[f]).toMatch(/^sha256:[0-9a-f]{64}$/u)
        expect(data.before[f] === data.after[f]).toBe(false)
      }
    })))

  it("equal values give equal digests, so a digest can be checked against a registry snapshot", () => {
    const a = configChangeEntry({ ...base, before: { street: "Fjordgata 1" }, after: { street: "Sjøvegen 2" }, disclose: false })
    const b = configChangeEntry({ ...base, before: { street: "Sjøvegen 2" }, after: { street: "Fjordgata 1" }, disclose: false })
    const da = a.data as { before: Record<string, string>; after: Record<string, string> }
    const db = b.data as { before: Record<string, string>; after: Record<string, string> }
    expect(da.after.street).toBe(db.before.street)
    expect(a.summary).toBe("resident res-1 changed: street")
  })

  it("with disclosure (devices, plans, users), shows the changed values themselves; a new record has no before", () => {
    const entry = configChangeEntry({ ...base, entity: "device", entityId: "alarm-1", before: undefined, after: { placement: "hallway", active: true }, disclose: true })
    expect(entry.data).toEqual({ entity: "device", entityId: "alarm-1", created: true, fields: ["active", "placement"], before: null, after: { active: true, placement: "hallway" } })
    expect(entry.summary).toBe("device alarm-1 created")
  })
})
