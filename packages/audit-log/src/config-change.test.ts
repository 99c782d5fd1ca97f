import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { createHash, randomBytes } from "node:crypto"
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
 * Issue 25's second finding: resident changes were audited as `sha256:` + SHA-256 of each
 * value's canonical JSON, unsalted and unkeyed. The trail cannot be deleted, and the value
 * sets are tiny, so anyone who could read it recovered the key-safe code before and after
 * and whether the resident has dementia, in under a second. `dictionaryAttack` is that
 * attack, widened to other encodings an attacker would try; it is run against an entry in
 * the old format (it must find the code, or this test proves nothing) and against the
 * entry written now (it must find nothing).
 */
describe("the dictionary attack on resident changes in the trail", () => {
  // How the old code wrote a digest (config-change.ts before this change): canonical JSON, keys sorted.
  const canonical = (value: unknown): string =>
    Array.isArray(value)
      ? `[${value.map(canonical).join(",")}]`
      : typeof value === "object" && value !== null
      ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
      : JSON.stringify(value)
  const sha256 = (text: string) => createHash("sha256").update(text).digest()

  const codes = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, "0"))
  const candidates: ReadonlyArray<{ readonly label: string; readonly value: unknown }> = [
    ...codes.map((code) => ({ label: `key-safe code ${code}`, value: { kind: "key_safe", code } })),
    ...codes.map((code) => ({ label: `bare code ${code}`, value: code })),
    { label: "dementia true", value: true },
    { label: "dementia false", value: false }
  ]

  /** Every candidate, in every encoding tried, hashed with SHA-256 and looked for in the entry's text. */
  const dictionaryAttack = (entryText: string): ReadonlyArray<string> => {
    const found: Array<string> = []
    for (const { label, value } of candidates) {
      for (const encoded of new Set([canonical(value), JSON.stringify(value), String(value)])) {
        const digest = sha256(encoded)
        if (entryText.includes(digest.toString("hex")) || entryText.includes(digest.toString("base64"))) found.push(label)
      }
    }
    return found
  }

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
    const old = (r: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, `sha256:${sha256(canonical(r[f])).toString("hex")}`]))
    const oldEntry = JSON.stringify({ ...configChangeEntry(change, key), data: { fields, before: old(change.before), after: old(change.after) } })
    expect(dictionaryAttack(oldEntry)).toEqual(expect.arrayContaining(["key-safe code 4821", "key-safe code 1234", "dementia true", "dementia false"]))
  })

  it("the entry written now gives nothing away to it", () => {
    const entry = configChangeEntry(change, key)
    const text = JSON.stringify(entry)
    expect(dictionaryAttack(text)).toEqual([])
    expect(text).not.toContain("sha256:")
    expect(dataOf(entry).fields).toEqual(["dementia", "keyAccess"])
    expect(dataOf(entry).changedOnly).toEqual(["dementia", "keyAccess"])
    expect(dataOf(entry).after).toEqual({})
  })
})
