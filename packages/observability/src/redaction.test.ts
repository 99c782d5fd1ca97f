import { describe, expect, it } from "@effect/vitest"
import { censor, redact } from "./redaction.ts"

describe("log redaction", () => {
  it("censors a resident's key access, contacts and secrets by other names at any depth, and keeps what is not personal", () => {
    const line = {
      incidentId: "inc-1",
      error: { code: "ECONNREFUSED" },
      record: { id: "res-9", keyAccess: { kind: "key_safe", code: "7319" }, contacts: [{ name: "Ingrid", phone: "+47 41234567" }] },
      handover: { access: { keySafeCode: "7319" } },
      headers: { "set-cookie": "wt_session=abc", "x-signature": "deadbeef", "webhook-signature": "v1,xyz" },
      nats: { seed: "SUAB…" },
      audit: { privateKey: "-----BEGIN PRIVATE KEY-----" },
      user: { passwordHash: "scrypt$…" }
    }
    const out = JSON.stringify(redact(line))
    for (const value of ["7319", "Ingrid", "41234567", "wt_session=abc", "deadbeef", "v1,xyz", "SUAB", "BEGIN PRIVATE", "scrypt$"]) expect(out).not.toContain(value)
    expect(redact(line)).toMatchObject({ incidentId: "inc-1", error: { code: "ECONNREFUSED" }, record: { id: "res-9", keyAccess: censor, contacts: censor } })
  })
})
