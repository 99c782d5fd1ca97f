import { createHmac } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { signingKeyOf, webhookSecretVariable } from "./secret-variable.ts"

describe("vendor secrets", () => {
  it("a Standard Webhooks secret (whsec_ + base64) signs with its decoded bytes, as the specification says (interop B4)", () => {
    const key = Buffer.from("a 24-byte secret of ours")
    const configured = `whsec_${key.toString("base64")}`
    const signed = (k: string | Uint8Array) => createHmac("sha256", k).update("id.1700000000.{}").digest("base64")
    expect(signed(signingKeyOf(configured))).toBe(signed(key))
    expect(signed(signingKeyOf(configured))).not.toBe(signed(configured))
  })

  it("any other secret is used as written, and a whsec_ that is not base64 too", () => {
    expect(signingKeyOf("plain-secret")).toBe("plain-secret")
    expect(signingKeyOf("whsec_not base64!")).toBe("whsec_not base64!")
  })

  it("a vendor's secret variable is WT_WEBHOOK_SECRET_ and the vendor in capitals", () => {
    expect(webhookSecretVariable("demo-dispenser")).toBe("WT_WEBHOOK_SECRET_DEMO_DISPENSER")
  })
})
