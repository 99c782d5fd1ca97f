import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { Registry } from "@wt/registry"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

const auditOf = (kind: "config_change" | "record_view", tenant = "demo") =>
  Effect.map(readSubject(Streams.audit, Subjects.audit(tenant, kind)), (messages) =>
    messages.map((m) => decodeEntry(new TextDecoder().decode(m.data))))

const home = { kind: "home", street: "Fjordgata 12", postcode: "9900", city: "Fjordvik", lat: 69.7, lon: 30.0 }
const stay = { kind: "temporary", street: "Sjøvegen 3 (daughter's flat)", postcode: "9910", city: "Bugøynes", lat: 69.9, lon: 29.6, validFrom: "2026-11-20", validTo: "2026-12-15" }

const resident = {
  tenant: "demo",
  displayName: "Solveig Testesen",
  birthYear: 1938,
  language: "se",
  addresses: [home],
  healthNotes: ["Warfarin (bleeds easily)"],
  mobility: "walking_aid",
  keyAccess: { kind: "key_safe", code: "4711" },
  dementia: true,
  gpsLegalBasis: "decision_4_6a",
  geofence: { lat: 69.7, lon: 30.0, radiusM: 400 },
  responsePlanId: "plan-dementia"
}

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the registry for administrators", (it) => {
  it.effect("an admin creates a resident, adds a temporary address during a move, and each change is audited by field without personal data", () =>
    Effect.gen(function*() {
      const { token, user } = yield* signIn("admin")
      expect((yield* call("PUT", "/api/admin/residents/res-new-1", { token, body: resident })).status).toBe(204)
      expect((yield* call("PUT", "/api/admin/residents/res-new-1", { token, body: { ...resident, addresses: [home, stay] } })).status).toBe(204)

      const card = yield* call("GET", "/api/admin/residents/res-new-1", { token })
      expect(card.status).toBe(200)
      // The key-safe code is write-only: the record says there is a key safe, never its code (see key-safe.test.ts for the reveal).
      expect(card.body).toMatchObject({ id: "res-new-1", tenant: "demo", language: "se", dementia: true, gpsLegalBasis: "decision_4_6a" })
      expect(card.body.keyAccess).toEqual({ kind: "key_safe" })
      expect(card.body.addresses).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "temporary", validFrom: "2026-11-20", validTo: "2026-12-15" })]))
      // The operator's card reads the same registry (for an open incident of the resident, as an operator must).
      yield* openIncident("demo", "admin-card-1", { residentId: "res-new-1" })
      yield* project("demo", "admin-card-1")
      const operator = yield* signIn("operator")
      const seen = yield* call("GET", "/api/residents/res-new-1?incident=admin-card-1", { token: operator.token })
      expect(seen.body.addresses.map((a: { kind: string }) => a.kind).sort()).toEqual(["home", "temporary"])

      const changes = (yield* auditOf("config_change")).filter((e) => e.subject.residentId === "res-new-1")
      expect(changes.length).toBe(2)
      expect(changes[0]).toMatchObject({ kind: "config_change", actor: { kind: "admin", id: user.id }, data: { entity: "resident", created: true } })
      expect(changes[1]).toMatchObject({ data: { entity: "resident", created: false, fields: ["addresses"] } })
      expect(changes[1]!.summary).toBe("resident res-new-1 changed: addresses")
      const before = (changes[1]!.data as { before: { addresses: string } }).before.addresses
      const after = (changes[1]!.data as { after: { addresses: string } }).after.addresses
      expect(before).toMatch(/^hmac-sha256:[0-9a-f]{64}$/)
      expect(after).not.toBe(before)
      for (const entry of changes) {
        // The digests left out: a random key's hex may hold "4711" by chance (it did, once in CI).
        const text = JSON.stringify(entry).replace(/hmac-sha256:[0-9a-f]{64}/g, "hmac-sha256:…")
        for (const secret of ["Solveig", "Fjordgata", "Sjøvegen", "Warfarin", "4711"]) expect(text).not.toContain(secret)
      }
      // Reading the record to edit it is a record view like any other.
      const views = (yield* auditOf("record_view")).filter((e) => e.subject.residentId === "res-new-1" && e.actor.id === user.id)
      expect(views.map((v) => v.summary)).toEqual(["resident record viewed for administration"])
    }))

  it.effect("contacts are kept in calling order with keyholders; devices with placement reach the registry triage reads", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const contacts = [
        { name: "Nils Nabo", relation: "neighbour", phone: "+47 400 00 001", keyholder: true },
        { name: "Anne Datter", relation: "daughter", phone: "+47 400 00 002", keyholder: false }
      ]
      expect((yield* call("PUT", "/api/admin/residents/res-0002/contacts", { token, body: { contacts } })).status).toBe(204)
      const device = { tenant: "demo", residentId: "res-0002", type: "sensor", sensor: "door", placement: "back door", heartbeatIntervalS: 300, active: true }
      const put = yield* call("PUT", "/api/admin/devices/sens-new-1", { token, body: device })
      expect(put.status).toBe(200)
      expect(put.body).toEqual({ id: "sens-new-1", ...device })

      const registry = yield* Registry
      const record = (yield* registry.resident("demo", "res-0002")).pipe((o) => o._tag === "Some" ? o.value : undefined)!
      expect(record.contacts).toEqual(contacts)
      expect(record.devices.find((d) => d.id === "sens-new-1")).toMatchObject({ placement: "back door", sensor: "door", heartbeatIntervalS: 300 })
      const owner = yield* registry.deviceOwner("demo", "sens-new-1")
      expect(owner._tag).toBe("Some")

      // Taking it out of service: audited with the values, which are not personal data.
      expect((yield* call("PUT", "/api/admin/devices/sens-new-1", { token, body: { ...device, active: false } })).status).toBe(200)
      const entry = (yield* auditOf("config_change")).filter((e) => e.subject.deviceId === "sens-new-1").at(-1)
      expect(entry?.data).toMatchObject({ entity: "device", fields: ["active"], before: { active: true }, after: { active: false } })

      // Inconsistent devices are refused with the reason.
      const bad = yield* call("PUT", "/api/admin/devices/sens-new-2", { token, body: { ...device, sensor: undefined } })
      expect(bad.status).toBe(400)
      expect(bad.body.message).toMatch(/sensor needs its kind/)
      const noOwner = yield* call("PUT", "/api/admin/devices/sens-new-3", { token, body: { ...device, residentId: "res-nobody" } })
      expect(noOwner.status).toBe(404)
    }))

  it.effect("a temporary address without its dates, or a plan that does not exist, is refused with a reason", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const undated = yield* call("PUT", "/api/admin/residents/res-new-2", { token, body: { ...resident, addresses: [home, { ...stay, validTo: undefined }] } })
      expect([undated.status, undated.body.message]).toEqual([400, "a temporary address needs validFrom and validTo"])
      const noPlan = yield* call("PUT", "/api/admin/residents/res-new-2", { token, body: { ...resident, responsePlanId: "plan-none" } })
      expect(noPlan.status).toBe(400)
      const badDate = yield* call("PUT", "/api/admin/residents/res-new-2", { token, body: { ...resident, addresses: [{ ...home, validFrom: "next week" }] } })
      expect(badDate.status).toBe(400)
    }))

  it.effect("a response plan is replaced whole, with one checklist per alarm type", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const plan = { tenant: "demo", entries: [{ alarmType: "safety_alarm", title: "Care alarm (revised)", steps: ["Answer", "Call home care", "Log"] }] }
      const put = yield* call("PUT", "/api/admin/plans/plan-revised", { token, body: plan })
      expect(put.status).toBe(200)
      const plans = yield* call("GET", "/api/admin/plans", { token })
      expect(plans.body.find((p: { id: string }) => p.id === "plan-revised")).toEqual({ id: "plan-revised", ...plan })
      const duplicate = yield* call("PUT", "/api/admin/plans/plan-revised", { token, body: { tenant: "demo", entries: [plan.entries[0], plan.entries[0]] } })
      expect(duplicate.status).toBe(400)
    }))

  it.effect("an admin creates a user who can sign in, resets the password (ending their sessions), and cannot grant another tenant", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const created = yield* call("PUT", "/api/admin/users/user-nina", {
        token,
        body: { username: "nina", displayName: "Nina Nattvakt", role: "operator", tenants: ["demo"], password: "first password 123" }
      })
      expect(created.status).toBe(200)
      expect(created.body).toEqual({ id: "user-nina", username: "nina", displayName: "Nina Nattvakt", role: "operator", tenants: ["demo"] })
      const nina = yield* call("POST", "/api/session", { body: { username: "nina", password: "first password 123" } })
      expect(nina.status).toBe(200)

      const reset = yield* call("PUT", "/api/admin/users/user-nina", {
        token,
        body: { username: "nina", displayName: "Nina Nattvakt", role: "supervisor", tenants: ["demo"], password: "second password 456" }
      })
      expect(reset.status).toBe(200)
      expect((yield* call("GET", "/api/session", { token: nina.body.token })).status).toBe(401)
      expect((yield* call("POST", "/api/session", { body: { username: "nina", password: "first password 123" } })).status).toBe(401)
      const again = yield* call("POST", "/api/session", { body: { username: "nina", password: "second password 456" } })
      expect(again.body.user.role).toBe("supervisor")

      const entries = (yield* auditOf("config_change")).filter((e) => (e.data as { entityId?: string }).entityId === "user-nina")
      expect(entries.at(-1)?.data).toMatchObject({ entity: "user", before: { role: "operator" }, after: { role: "supervisor" } })
      expect(JSON.stringify(entries)).not.toContain("second password")

      const grab = yield* call("PUT", "/api/admin/users/user-nina", {
        token,
        body: { username: "nina", displayName: "Nina Nattvakt", role: "operator", tenants: ["demo", "north"] }
      })
      expect(grab.status).toBe(404)
      const taken = yield* call("PUT", "/api/admin/users/user-other", {
        token,
        body: { username: "nina", displayName: "Someone", role: "operator", tenants: ["demo"], password: "a password 7890" }
      })
      expect(taken.status).toBe(409)
    }))

  it.effect("a registry write that is not JSON is refused (CSRF: cross-site forms cannot send JSON)", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const plain = yield* call("PUT", "/api/admin/plans/plan-csrf", { token, body: JSON.stringify({ tenant: "demo", entries: [] }), contentType: "text/plain" })
      expect(plain.status).toBe(415)
      const form = yield* call("PUT", "/api/admin/plans/plan-csrf", { token, cookie: `wt_session=${token}`, body: "tenant=demo", contentType: "application/x-www-form-urlencoded" })
      expect(form.status).toBe(415)
    }))

  it.effect("queue labels give name and today's town of the caller's residents only, and are not record views", () =>
    Effect.gen(function*() {
      const { token, user } = yield* signIn("operator2")
      const labels = yield* call("GET", "/api/resident-labels?ids=res-0004,n-res-0001,nobody", { token })
      expect(labels.status).toBe(200)
      expect(labels.body).toEqual([expect.objectContaining({ id: "res-0004", tenant: "demo", displayName: expect.any(String), city: expect.any(String) })])
      expect((yield* auditOf("record_view")).filter((e) => e.actor.id === user.id)).toEqual([])
    }))
})
