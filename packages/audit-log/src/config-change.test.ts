import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { randomBytes } from "node:crypto"
import { dictionaryAttack, oldCanonical, sha256 } from "./config-change-attack.fixture.ts"
import { changedFields, changedOnlyFields, configChangeEntry, fieldMac } from "./config-change.ts"
import { auditFieldKeyOf } from "./config-change-key.ts"

const actor = { kind: "admin" as const, id: "user-admin", name: "Demo Admin" }
const base = { id: "cfg-1", tenant: "demo", at: "2026-11-25T21:00:00.000Z", actor, entity: "resident" as const, entityId: "res-1", subject: { residentId: "res-1" } }
const key = auditFieldKeyOf(randomBytes(32))

// Values long enough that finding one inside a hex digest by chance is out of the question.
const secret = fc.string({ minLength: 12, maxLength: 40 }).filter((s) => !/^[0-9a-f]+$/u.test(s) && s.trim() === s && !s.includes("\\"))
const field = fc.constantFrom("displayName", "language", "healthNotes", "street", "keyAccess", "dementia", "addresses")
const record = fc.dictionary(field, secret, { minKeys: 1 })

type Data = {
  fields: Array<string>
  changedOnly: Array<string>
  values: string
  fieldKeyId?: string
  before: Record<string, unknown> | null
  after: Record<string, unknown>
}
const dataOf = (entry: { data?: unknown }) => entry.data as Data

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

  it("without disclosure, carries no value of the record: a keyed HMAC per changed field, and for key codes and health facts not even that", () =>
    fc.assert(fc.property(record, record, (before, after) => {
      const entry = configChangeEntry({ ...base, before, after, disclose: false }, key)
      const text = JSON.stringify(entry)
      for (const value of [...Object.values(before), ...Object.values(after)]) expect(text).not.toContain(JSON.stringify(value).slice(1, -1))
      const data = dataOf(entry)
      expect(data.values).toBe("hmac-sha256")
      expect(data.fieldKeyId).toBe(key.keyId)
      expect(data.changedOnly).toEqual(data.fields.filter((f) => changedOnlyFields.resident.has(f)))
      const valued = data.fields.filter((f) => !changedOnlyFields.resident.has(f))
      expect(Object.keys(data.after).sort()).toEqual(valued)
      for (const f of valued) {
        expect(data.after[f]).toMatch(/^hmac-sha256:[0-9a-f]{64}$/u)
        expect(data.before![f] === data.after[f]).toBe(false)
      }
      for (const f of data.changedOnly) {
        expect(data.before![f]).toBeUndefined()
        expect(data.after[f]).toBeUndefined()
      }
    })))

  it("a value can be checked against the registry by whoever holds the key, and by no one else; equal values in other records or fields do not match", () => {
    const a = configChangeEntry({ ...base, before: { street: "Fjordgata 1" }, after: { street: "Sjøvegen 2" }, disclose: false }, key)
    const da = dataOf(a)
    expect(da.after.street).toBe(fieldMac(key, base, "street", "Sjøvegen 2"))
    expect(da.after.street).not.toBe(fieldMac(auditFieldKeyOf(randomBytes(32)), base, "street", "Sjøvegen 2"))
    expect(da.after.street).not.toBe(fieldMac(key, { ...base, entityId: "res-2" }, "street", "Sjøvegen 2"))
    expect(da.after.street).not.toBe(fieldMac(key, base, "displayName", "Sjøvegen 2"))
    expect(a.summary).toBe("resident res-1 changed: street")
  })

  it("with disclosure (devices, plans, users), shows the changed values themselves; a new record has no before", () => {
    const entry = configChangeEntry({ ...base, entity: "device", entityId: "alarm-1", before: undefined, after: { placement: "hallway", active: true }, disclose: true }, key)
    expect(entry.data).toEqual({
      entity: "device",
      entityId: "alarm-1",
      created: true,
      fields: ["active", "placement"],
      changedOnly: [],
      values: "disclosed",
      before: null,
      after: { active: true, placement: "hallway" }
    })
    expect(entry.summary).toBe("device alarm-1 created")
  })
})

/**
 * The dictionary attack on the old format (see config-change-attack.fixture.ts) is run
 * against an entry in the old format (it must find the code, or this test proves nothing)
 * and against the entry written now (it must find nothing).
 */
describe("the dictionary attack on resident changes in the trail", () => {
  const resident = (code: string, dementia: boolean) => ({
    displayName: "Solveig Testesen",
    birthYear: 1938,
    keyAccess: { kind: "key_safe", code },
    dementia,
    healthNotes: ["Warfarin (bleeds easily)"],
    mobility: "walking_aid"
  })
  const change = { ...base, before: resident("4821", false), after: resident("1234", true), disclose: false }

  it("the old format gave the code before and after and the dementia fact away; the attack works", () => {
    const fields = changedFields(change.before, change.after)
    const old = (r: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, `sha256:${sha256(oldCanonical(r[f])).toString("hex")}`]))
    const oldEntry = JSON.stringify({ ...configChangeEntry(change, key), data: { fields, before: old(change.before), after: old(change.after) } })
    expect(dictionaryAttack(oldEntry)).toEqual(expect.arrayContaining(["key-safe code 4821", "key-safe code 1234", "dementia true", "dementia false"]))
  })

  it("the entry written now gives nothing away to it", () => {
    const entry = configChangeEntry(change, key)
    const text = JSON.stringify(entry)
    expect(dictionaryAttack(text)).toEqual([])
    expect(text).not.toContain(`"sha256:`)
    expect(dataOf(entry).fields).toEqual(["dementia", "keyAccess"])
    expect(dataOf(entry).changedOnly).toEqual(["dementia", "keyAccess"])
    expect(dataOf(entry).after).toEqual({})
  })
})
