import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

const recordViews = Effect.map(readSubject(Streams.audit, Subjects.audit("demo", "record_view")), (messages) =>
  messages.map((m) => decodeEntry(new TextDecoder().decode(m.data))))

/** A resident of another tenant, written straight into the registry. */
const seedNorthResident = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO tenants (id, name) VALUES ('north', 'Nordre kommune') ON CONFLICT (id) DO NOTHING`
  yield* sql`INSERT INTO residents (id, tenant, display_name) VALUES ('res-north-only', 'north', 'North Resident') ON CONFLICT DO NOTHING`
})

layer(ConsoleTestLayer, { excludeTestServices: true })("GET /api/residents/{id}", (it) => {
  it.effect("answers 401 without a session or with a bad token, and writes no audit entry", () =>
    Effect.gen(function*() {
      const before = (yield* recordViews).length
      expect((yield* call("GET", "/api/residents/res-0001")).status).toBe(401)
      expect((yield* call("GET", "/api/residents/res-0001", { token: "x".repeat(43) })).status).toBe(401)
      expect((yield* call("GET", "/api/residents/res-0001", { cookie: "wt_session=nonsense" })).status).toBe(401)
      expect((yield* recordViews).length).toBe(before)
    }))

  it.effect("gives any signed-in role the full record and audits who read it, when, and for which incident", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "card-1")
      yield* project("demo", "card-1")
      for (const role of ["operator", "supervisor", "admin"] as const) {
        const { token, user } = yield* signIn(role)
        const started = Date.now()
        const card = yield* call("GET", "/api/residents/res-0001?incident=card-1", { token })
        expect(card.status).toBe(200)
        expect(card.body).toMatchObject({ id: "res-0001", tenant: "demo" })
        expect(card.body.addresses.length).toBeGreaterThan(0)
        expect(card.body.contacts.length).toBeGreaterThan(0)
        expect(card.body.devices.length).toBeGreaterThan(0)
        expect(card.body.responsePlan.length).toBeGreaterThan(0)
        const entry = (yield* recordViews).find((e) => e.actor.id === user.id && e.subject.incidentId === "card-1")
        expect(entry).toMatchObject({
          tenant: "demo",
          kind: "record_view",
          actor: { kind: role, id: user.id, name: user.displayName },
          subject: { residentId: "res-0001", incidentId: "card-1" }
        })
        // The browser's address is recorded: the FHIR export's BALP Read needs the client's network address.
        expect(entry!.data).toMatchObject({ client: { application: "console-web", address: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$|^::1$/) } })
        expect(Date.parse(entry!.at)).toBeGreaterThanOrEqual(started - 1000)
        // Audit entries carry ids only: no name, address or health note of the resident.
        expect(JSON.stringify(entry)).not.toContain(card.body.displayName)
      }
    }))

  it.effect("a supervisor's or admin's read without an incident is allowed and audited as such", () =>
    Effect.gen(function*() {
      for (const role of ["supervisor", "admin"] as const) {
        const { token, user } = yield* signIn(role)
        expect((yield* call("GET", "/api/residents/res-0002", { token })).status).toBe(200)
        const entry = (yield* recordViews).find((e) => e.actor.id === user.id && e.subject.residentId === "res-0002")
        expect(entry?.subject.incidentId).toBeUndefined()
        expect(entry?.summary).toMatch(/without an incident/)
      }
    }))

  it.effect("an operator reads a record only for an open incident of that resident: 403 without one or once it has ended, 200 with it", () =>
    Effect.gen(function*() {
      const { token, user } = yield* signIn("operator")
      const before = (yield* recordViews).length
      const without = yield* call("GET", "/api/residents/res-0003", { token })
      expect(without.status).toBe(403)
      expect(without.body._tag).toBe("Forbidden")
      expect(without.body.message).toContain("?incident=")
      // Nothing was shown, so nothing is audited as shown.
      expect((yield* recordViews).length).toBe(before)

      yield* openIncident("demo", "card-3", { residentId: "res-0003" })
      yield* project("demo", "card-3")
      const withIncident = yield* call("GET", "/api/residents/res-0003?incident=card-3", { token })
      expect(withIncident.status).toBe(200)
      expect(withIncident.body).toMatchObject({ id: "res-0003", tenant: "demo" })
      expect((yield* recordViews).find((e) => e.actor.id === user.id && e.subject.incidentId === "card-3")?.subject.residentId).toBe("res-0003")
      // Another resident's incident is no reason to read this one.
      expect((yield* call("GET", "/api/residents/res-0002?incident=card-3", { token })).status).toBe(404)

      // Once the incident has ended it is no reason any more, for an operator; a supervisor still may.
      expect((yield* call("POST", "/api/incidents/card-3/claim", { token })).status).toBe(200)
      expect((yield* call("POST", "/api/incidents/card-3/resolve", { token, body: { cause: "pressed by mistake" } })).status).toBe(200)
      yield* project("demo", "card-3")
      const ended = yield* call("GET", "/api/residents/res-0003?incident=card-3", { token })
      expect(ended.status).toBe(403)
      expect(ended.body.message).toContain("resolved")
      const supervisor = (yield* signIn("supervisor")).token
      expect((yield* call("GET", "/api/residents/res-0003?incident=card-3", { token: supervisor })).status).toBe(200)
    }))

  it.effect("is 404 for another tenant's resident, an unknown one, or an incident that is not this resident's", () =>
    Effect.gen(function*() {
      yield* seedNorthResident
      yield* openIncident("north", "north-card")
      yield* project("north", "north-card")
      yield* openIncident("demo", "card-2")
      yield* project("demo", "card-2")
      const { token } = yield* signIn("supervisor")
      const before = (yield* recordViews).length
      const north = yield* call("GET", "/api/residents/res-north-only", { token })
      expect(north.status).toBe(404)
      expect(north.body._tag).toBe("ResidentNotFound")
      expect((yield* call("GET", "/api/residents/res-0001?incident=north-card", { token })).status).toBe(404)
      expect((yield* call("GET", "/api/residents/no-such-resident", { token })).status).toBe(404)
      // card-2 is res-0001's incident: it is no reason to read res-0002's record.
      expect((yield* call("GET", "/api/residents/res-0002?incident=card-2", { token })).status).toBe(404)
      expect((yield* recordViews).length).toBe(before)
    }))
})
