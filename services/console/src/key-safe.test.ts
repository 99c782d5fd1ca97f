import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { demoFleet } from "@wt/registry/demo"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))
const recordViews = Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "record_view")), (messages) =>
  messages.map((m) => decodeEntry(new TextDecoder().decode(m.data))))

// The console fixture seeds five demo residents: res-0001 … res-0003 have key safes, res-0004 none, res-0005 an e-lock.
const seeded = demoFleet({ residents: 5 }).residents
const codeOf = (id: string) => {
  const access = seeded.find((r) => r.id === id)!.keyAccess
  return access.kind === "key_safe" ? access.code : ""
}

const reveal = (residentId: string, token: string, incident?: string) =>
  call("POST", `/api/residents/${residentId}/key-safe-code${incident === undefined ? "" : `?incident=${incident}`}`, { token, body: {} })

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("key-safe codes in the console", (it) => {
  it.effect("are not in the database in the clear, nor on the resident card: the card says 'key safe', the code comes only from its own reveal, audited as such", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const stored = yield* sql<{ key_access: unknown }>`SELECT key_access FROM residents WHERE tenant = 'demo' AND id = 'res-0001'`
      expect(JSON.stringify(stored)).not.toContain(`"${codeOf("res-0001")}"`)
      expect(stored[0]!.key_access).toMatchObject({ kind: "key_safe", sealedCode: expect.stringMatching(/^v1\./) })

      yield* openIncident("demo", "keysafe-1", { residentId: "res-0001" })
      yield* project("demo", "keysafe-1")
      const { token, user } = yield* signIn("operator")
      const card = yield* call("GET", "/api/residents/res-0001?incident=keysafe-1", { token })
      expect(card.status).toBe(200)
      expect(card.body.keyAccess).toEqual({ kind: "key_safe" })
      expect(JSON.stringify(card.body)).not.toContain(codeOf("res-0001"))

      const before = (yield* recordViews).length
      const revealed = yield* reveal("res-0001", token, "keysafe-1")
      expect(revealed.status).toBe(200)
      expect(revealed.body).toEqual({ residentId: "res-0001", code: codeOf("res-0001") })
      // An entry of its own, stored before the answer: who, for which incident; not the code.
      const entries = (yield* recordViews).slice(before)
      expect(entries).toHaveLength(1)
      expect(entries[0]).toMatchObject({
        actor: { kind: "operator", id: user.id },
        subject: { residentId: "res-0001", incidentId: "keysafe-1" },
        data: { revealed: "key_safe_code", role: "operator" }
      })
      expect(entries[0]!.summary).toBe(`key-safe code revealed to operator ${user.id} for incident keysafe-1`)
      expect(JSON.stringify(entries[0])).not.toContain(`"${codeOf("res-0001")}"`)
    }))

  it.effect("the reveal follows the card's rules: an operator needs an active incident of the resident, another tenant's resident does not exist, no key safe is 404; each refusal leaves no view", () =>
    Effect.gen(function*() {
      const operator = (yield* signIn("operator")).token
      const before = (yield* recordViews).length
      const without = yield* reveal("res-0002", operator)
      expect(without.status).toBe(403)
      expect(without.body._tag).toBe("Forbidden")
      yield* openIncident("demo", "keysafe-2", { residentId: "res-0001" })
      yield* project("demo", "keysafe-2")
      // An incident of another resident is no reason.
      expect((yield* reveal("res-0002", operator, "keysafe-2")).status).toBe(404)
      const north = (yield* signIn("north-operator")).token
      expect((yield* reveal("res-0001", north, "keysafe-2")).status).toBe(404)
      const supervisor = (yield* signIn("supervisor")).token
      const noKeySafe = yield* reveal("res-0004", supervisor)
      expect(noKeySafe.status).toBe(404)
      expect(noKeySafe.body).toMatchObject({ _tag: "RecordNotFound", kind: "key safe" })
      expect((yield* reveal("res-0005", supervisor)).status).toBe(404)
      expect((yield* recordViews).length).toBe(before)
      // Not JSON: refused like every other POST (a cross-site form cannot send JSON).
      expect((yield* call("POST", "/api/residents/res-0002/key-safe-code", { token: supervisor, body: "a=1", contentType: "application/x-www-form-urlencoded" })).status).toBe(415)
      // A supervisor may reveal without an incident, audited as such.
      const quality = yield* reveal("res-0002", supervisor)
      expect(quality.status).toBe(200)
      expect(quality.body.code).toBe(codeOf("res-0002"))
      const entry = (yield* recordViews).at(-1)!
      expect(entry.summary).toMatch(/^key-safe code revealed to supervisor user-supervisor without an incident$/)
      expect(entry.subject.incidentId).toBeUndefined()
    }))

  it.effect("an administrator's edit leaves the code alone unless a new one is written, and never shows it", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const record = yield* call("GET", "/api/admin/residents/res-0003", { token })
      expect(record.body.keyAccess).toEqual({ kind: "key_safe" })
      const { id: _, contacts: __, devices: ___, responsePlan: ____, ...fields } = record.body
      const input = { ...fields, addresses: fields.addresses.map((a: Record<string, unknown>) => a) }
      expect((yield* call("PUT", "/api/admin/residents/res-0003", { token, body: { ...input, language: "nn" } })).status).toBe(204)
      expect((yield* reveal("res-0003", token)).body.code).toBe(codeOf("res-0003"))
      expect((yield* call("PUT", "/api/admin/residents/res-0003", { token, body: { ...input, keyAccess: { kind: "key_safe", code: "0246" } } })).status).toBe(204)
      expect((yield* reveal("res-0003", token)).body.code).toBe("0246")
      // A key safe for a resident who had none needs its code.
      const rec4 = (yield* call("GET", "/api/admin/residents/res-0004", { token })).body
      const { id: _4, contacts: _c4, devices: _d4, responsePlan: _r4, ...fields4 } = rec4
      const missing = yield* call("PUT", "/api/admin/residents/res-0004", { token, body: { ...fields4, keyAccess: { kind: "key_safe" } } })
      expect(missing.status).toBe(400)
      expect(missing.body.message).toContain("a key safe needs its code")
    }))
})
