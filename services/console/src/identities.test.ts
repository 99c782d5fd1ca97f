import { expect, layer } from "@effect/vitest"
import { Effect, Option, Redacted, Schema } from "effect"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { DeviceIdentities } from "@wt/registry"
import { call, ConsoleTestLayer, signIn } from "./console-fixture.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

const identityChanges = (deviceId: string) =>
  Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "config_change")), (messages) =>
    messages.map((m) => decodeEntry(new TextDecoder().decode(m.data)))
      .filter((e) => (e.data as { entity?: string }).entity === "device_identity" && e.subject.deviceId === deviceId))

// Demo-only test keys, made up here.
const key = "000102030405060708090a0b0c0d0e0f"
const otherKey = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
/** What of a key may never appear in an answer or an audit entry: any twelve of its digits in a row. */
const piecesOf = (k: string) => Array.from({ length: k.length - 11 }, (_, i) => k.slice(i, i + 12))

/** The key the receivers would read for an identity: what the console stored, seen from the registry itself. */
const storedKey = (account: string) =>
  Effect.gen(function*() {
    const identities = yield* DeviceIdentities
    const device = yield* identities.find("dc09", account)
    return Option.match(device, { onNone: () => "no device", onSome: (d) => (d.key === undefined ? "no key" : Redacted.value(d.key)) })
  }).pipe(Effect.provide(DeviceIdentities.layer))

const base = "/api/admin/devices/demo/alarm-000003/identities"

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("devices' protocol identities for administrators", (it) => {
  it.effect("an admin sets a DC-09 identity with its key: stored for the receivers, shown only as its last four digits, audited by field without it", () =>
    Effect.gen(function*() {
      const { token, user } = yield* signIn("admin")
      const put = yield* call("PUT", `${base}/dc09`, { token, body: { identity: "c0ffee", receiver: "f3", line: "77", key } })
      expect(put.status).toBe(200)
      expect(put.body).toEqual({ protocol: "dc09", identity: "C0FFEE", receiver: "F3", line: "77", keyHint: "…0e0f" })
      expect(yield* storedKey("C0FFEE")).toBe(key)

      const listed = yield* call("GET", base, { token })
      expect(listed.status).toBe(200)
      expect(listed.body).toEqual(expect.arrayContaining([{ protocol: "dc09", identity: "C0FFEE", receiver: "F3", line: "77", keyHint: "…0e0f" }]))
      for (const answer of [put, listed]) for (const piece of piecesOf(key)) expect(JSON.stringify(answer.body)).not.toContain(piece)

      // Without `key` the present key stays; a new one replaces it; null removes it.
      const moved = yield* call("PUT", `${base}/dc09`, { token, body: { identity: "C0FFEE", receiver: "F3", line: "78" } })
      expect(moved.body).toEqual({ protocol: "dc09", identity: "C0FFEE", receiver: "F3", line: "78", keyHint: "…0e0f" })
      expect(yield* storedKey("C0FFEE")).toBe(key)
      const rekeyed = yield* call("PUT", `${base}/dc09`, { token, body: { identity: "C0FFEE", receiver: "F3", line: "78", key: otherKey } })
      expect(rekeyed.body.keyHint).toBe("…1e0f")
      expect(yield* storedKey("C0FFEE")).toBe(otherKey)
      const clear = yield* call("PUT", `${base}/dc09`, { token, body: { identity: "C0FFEE", receiver: "F3", line: "78", key: null } })
      expect(clear.status).toBe(200)
      expect(clear.body).toEqual({ protocol: "dc09", identity: "C0FFEE", receiver: "F3", line: "78" })
      expect(yield* storedKey("C0FFEE")).toBe("no key")

      const entries = yield* identityChanges("alarm-000003")
      expect(entries.map((e) => (e.data as { fields: Array<string> }).fields)).toEqual([
        // The seeded demo identity replaced: a new account, receiver, line and a key.
        ["identity", "key", "line", "receiver"],
        ["line"],
        ["key"],
        ["key"]
      ])
      expect(entries[0]).toMatchObject({
        kind: "config_change",
        actor: { kind: "admin", id: user.id },
        subject: { deviceId: "alarm-000003" },
        summary: "device_identity alarm-000003/dc09 changed: identity, key, line, receiver",
        data: { entity: "device_identity", entityId: "alarm-000003/dc09", changedOnly: ["key"], after: { identity: "C0FFEE", receiver: "F3", line: "77" } }
      })
      for (const entry of entries) {
        const data = entry.data as { before: Record<string, unknown> | null; after: Record<string, unknown> }
        expect(data.after).not.toHaveProperty("key")
        expect(data.before ?? {}).not.toHaveProperty("key")
        const text = JSON.stringify(entry)
        for (const piece of [...piecesOf(key), ...piecesOf(otherKey)]) expect(text).not.toContain(piece)
      }
    }))

  it.effect("an identity is removed with DELETE (audited), after which it is gone and a second DELETE is 404", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const path = "/api/admin/devices/demo/alarm-000004/identities"
      expect((yield* call("PUT", `${path}/osmand`, { token, body: { identity: "863071013456789" } })).status).toBe(200)
      expect((yield* call("DELETE", `${path}/osmand`, { token })).status).toBe(204)
      const listed = yield* call("GET", path, { token })
      expect(listed.body.map((i: { protocol: string }) => i.protocol)).not.toContain("osmand")
      const again = yield* call("DELETE", `${path}/osmand`, { token })
      expect([again.status, again.body._tag]).toEqual([404, "RecordNotFound"])
      const removal = (yield* identityChanges("alarm-000004")).at(-1)
      expect(removal?.data).toMatchObject({ entityId: "alarm-000004/osmand", fields: ["identity"], before: { identity: "863071013456789" }, after: { identity: null } })
    }))

  it.effect("an operator or supervisor is 403; another tenant's device, or one that does not exist, is 404", () =>
    Effect.gen(function*() {
      for (const role of ["operator", "supervisor"]) {
        const { token } = yield* signIn(role)
        for (const [method, body] of [["GET", undefined], ["PUT", { identity: "ABC123" }], ["DELETE", undefined]] as const) {
          const answer = yield* call(method, method === "GET" ? base : `${base}/dc09`, { token, ...(body !== undefined ? { body } : {}) })
          expect([role, method, answer.status, answer.body._tag]).toEqual([role, method, 403, "Forbidden"])
        }
      }
      const { token } = yield* signIn("admin")
      // Tenant north's alarm, named under north (not the admin's tenant) and under demo (where it is not).
      for (const path of ["/api/admin/devices/north/n-alarm-000001/identities", "/api/admin/devices/demo/n-alarm-000001/identities", "/api/admin/devices/demo/no-such-device/identities"]) {
        expect([path, (yield* call("GET", path, { token })).status]).toEqual([path, 404])
        const put = yield* call("PUT", `${path}/scaip`, { token, body: { identity: "stolen-1" } })
        expect([path, put.status, put.body._tag]).toEqual([path, 404, "RecordNotFound"])
        expect([path, (yield* call("DELETE", `${path}/dc09`, { token })).status]).toEqual([path, 404])
      }
    }))

  it.effect("an identity another device has is 409, whichever tenant it is in; one its protocol cannot carry is 400 with the reason, never repeating a key", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      expect((yield* call("PUT", "/api/admin/devices/demo/alarm-000005/identities/scaip", { token, body: { identity: "ctrl-77/unit-1" } })).status).toBe(200)
      const taken = yield* call("PUT", "/api/admin/devices/demo/alarm-000002/identities/scaip", { token, body: { identity: "ctrl-77/unit-1" } })
      expect([taken.status, taken.body._tag]).toEqual([409, "IdentityTaken"])
      expect(taken.body.message).toContain("belongs to another device")
      // North's seeded alarm account (tenant digit 2): taken too, though the admin cannot see that device.
      const north = yield* call("PUT", "/api/admin/devices/demo/alarm-000002/identities/dc09", { token, body: { identity: "21000001" } })
      expect(north.status).toBe(409)

      const refusals: Array<[string, unknown, RegExp]> = [
        ["dc09", { identity: "12Z4" }, /not a valid dc09 identity/],
        ["dc09", { identity: "ABC123", key: "0011223344556677" }, /128, 192 or 256 bits/],
        ["dc09", { identity: "ABC123", key: `${key.slice(0, 31)}g` }, /128, 192 or 256 bits/],
        ["dc09", { identity: "ABC123", line: "7G" }, /line must be/],
        ["scaip", { identity: "ctrl-78", key }, /DC-09 identities only/],
        ["webhook", { identity: "disp-1" }, /needs its vendor/],
        ["osmand", { identity: "tracker 1" }, /not a valid osmand identity/]
      ]
      for (const [protocol, body, reason] of refusals) {
        const answer = yield* call("PUT", `/api/admin/devices/demo/alarm-000002/identities/${protocol}`, { token, body })
        expect([protocol, answer.status, answer.body._tag]).toEqual([protocol, 400, "InvalidRegistryChange"])
        expect(answer.body.message).toMatch(reason)
        expect(JSON.stringify(answer.body)).not.toContain("0011223344")
        expect(JSON.stringify(answer.body)).not.toContain(key.slice(0, 12))
      }
      // A protocol the registry does not know is refused by the route itself.
      expect((yield* call("PUT", "/api/admin/devices/demo/alarm-000002/identities/x25", { token, body: { identity: "1" } })).status).toBe(400)
      // Nothing refused was stored, and nothing refused was audited.
      const listed = yield* call("GET", "/api/admin/devices/demo/alarm-000002/identities", { token })
      expect(listed.body.map((i: { identity: string }) => i.identity)).not.toContain("ABC123")
      expect((yield* identityChanges("alarm-000002")).length).toBe(0)
    }))

  it.effect("the OpenAPI document describes the routes and the write-only key", () =>
    Effect.gen(function*() {
      const doc = (yield* call("GET", "/api/openapi.json")).body
      const put = doc.paths["/api/admin/devices/{tenant}/{id}/identities/{protocol}"]?.put
      expect(put?.description).toContain("omit it to keep the present key")
      expect(doc.paths["/api/admin/devices/{tenant}/{id}/identities/{protocol}"]?.delete).toBeDefined()
      expect(doc.paths["/api/admin/devices/{tenant}/{id}/identities"]?.get).toBeDefined()
      expect(doc.components.schemas.WireIdentityInput.properties.key.description).toContain("write-only")
      expect(JSON.stringify(doc.components.schemas.WireIdentityView)).not.toContain("\"key\"")
    }))
})
