import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { randomBytes } from "node:crypto"
import { Result } from "effect"
import { installationKeyOf } from "./installation-key.ts"
import { isSealedKeySafe, openKeySafeCode, sealKeySafeCode } from "./key-safe-code.ts"
import { isSealedText, openText, sealText } from "./sealed-text.ts"

const key = installationKeyOf(randomBytes(32))
const otherKey = installationKeyOf(randomBytes(32))
const token = fc.string({ minLength: 1, maxLength: 64 })
const code = fc.string({ minLength: 0, maxLength: 40 })

const flipOne = (sealed: string, at: number) => {
  const [v, kid, nonce, body] = sealed.split(".")
  const bytes = Buffer.from(body!, "base64url")
  bytes[at % bytes.length]! ^= 0x01
  return [v, kid, nonce, bytes.toString("base64url")].join(".")
}

describe("sealed text (AES-256-GCM under the installation key, bound to what it belongs to)", () => {
  it("opens to what was sealed, with the same key, purpose and binding; the sealed form shows nothing of it", () =>
    fc.assert(fc.property(token, fc.array(token, { maxLength: 3 }), code, (purpose, boundTo, plain) => {
      const sealed = sealText(key, purpose, boundTo, plain)
      expect(isSealedText(sealed)).toBe(true)
      expect(Result.getOrThrow(openText(key, purpose, boundTo, sealed))).toBe(plain)
      if (plain.length >= 8) expect(sealed).not.toContain(plain)
      // A fresh nonce each time: the same code twice is not the same ciphertext.
      expect(sealText(key, purpose, boundTo, plain)).not.toBe(sealed)
    })))

  it("does not open for another resident, another tenant or another purpose: a sealed code moved to another record is refused", () =>
    fc.assert(fc.property(token, token, token, token, code, (tenant, residentId, otherTenant, otherResident, plain) => {
      fc.pre(tenant !== otherTenant || residentId !== otherResident)
      const sealed = sealKeySafeCode(key, tenant, residentId, plain)
      expect(Result.isFailure(openKeySafeCode(key, otherTenant, otherResident, sealed))).toBe(true)
      expect(Result.isFailure(openText(key, "another-purpose", [tenant, residentId], sealed.sealedCode))).toBe(true)
      expect(Result.getOrThrow(openKeySafeCode(key, tenant, residentId, sealed))).toBe(plain)
    })))

  it("any single changed bit is refused", () =>
    fc.assert(fc.property(code, fc.nat(), (plain, at) => {
      const sealed = sealText(key, "p", ["t", "r"], plain)
      const opened = openText(key, "p", ["t", "r"], flipOne(sealed, at))
      expect(Result.isFailure(opened)).toBe(true)
    })))

  it("another installation's key is named, not taken for tampering", () => {
    const sealed = sealKeySafeCode(key, "demo", "res-0001", "4821")
    const opened = openKeySafeCode(otherKey, "demo", "res-0001", sealed)
    expect(Result.isFailure(opened) && opened.failure.message).toContain(`sealed under installation key ${key.keyId}`)
    expect(Result.isFailure(opened) && opened.failure.message).toContain(otherKey.keyId)
  })

  it("tells a sealed key safe from the old plaintext form", () => {
    expect(isSealedKeySafe({ kind: "key_safe", code: "4821" })).toBe(false)
    expect(isSealedKeySafe(sealKeySafeCode(key, "demo", "res-0001", "4821"))).toBe(true)
    expect(isSealedKeySafe({ kind: "key_safe", sealedCode: "v1.nothex.x.y" })).toBe(false)
  })
})
