import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { IncidentStore } from "@wt/incident-store"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()

layer(ConsoleTestLayer, { excludeTestServices: true })("console incidents", (it) => {
  it.effect("lists the most urgent first, then the oldest, and only the user's tenant", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "order-p3-oldest", { priority: "P3", at: minutesAgo(30) })
      yield* openIncident("demo", "order-p1-newer", { priority: "P1", at: minutesAgo(5) })
      yield* openIncident("demo", "order-p1-older", { priority: "P1", at: minutesAgo(10) })
      yield* openIncident("north", "order-north-p1", { priority: "P1", at: minutesAgo(60) })
      for (const id of ["order-p3-oldest", "order-p1-newer", "order-p1-older"]) yield* project("demo", id)
      yield* project("north", "order-north-p1")

      const { token } = yield* signIn("operator")
      const open = yield* call("GET", "/api/incidents?status=open", { token })
      expect(open.status).toBe(200)
      const ids = (open.body as Array<{ incidentId: string }>).map((i) => i.incidentId).filter((id) => id.startsWith("order-"))
      expect(ids).toEqual(["order-p1-older", "order-p1-newer", "order-p3-oldest"])
    }))

  it.effect("filters by status: exact statuses, `active`, and a 400 for an unknown one", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "filter-1", { priority: "P2" })
      const { token } = yield* signIn("operator")
      yield* call("POST", "/api/incidents/filter-1/claim", { token })
      yield* project("demo", "filter-1")
      const idsFor = (query: string) =>
        call("GET", `/api/incidents${query}`, { token }).pipe(
          Effect.map((a) => (a.body as Array<{ incidentId: string }>).map((i) => i.incidentId))
        )
      expect(yield* idsFor("?status=open")).not.toContain("filter-1")
      expect(yield* idsFor("?status=claimed")).toContain("filter-1")
      expect(yield* idsFor("?status=open,claimed")).toContain("filter-1")
      expect(yield* idsFor("?status=active")).toContain("filter-1")
      expect(yield* idsFor("")).toContain("filter-1")
      const bad = yield* call("GET", "/api/incidents?status=sleeping", { token })
      expect(bad.status).toBe(400)
    }))

  it.effect("a storm's devices still down are listed from its events; an incident that is no storm lists none", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      const opened = yield* openIncident("demo", "storm-console-1", { priority: "P2" })
      const first = yield* store.execute("demo", "storm-console-1", {
        type: "update_storm", at: new Date().toISOString(), basedOnVersion: opened.state!.version, lost: ["dev-c", "dev-a", "dev-b"], restored: []
      })
      yield* store.execute("demo", "storm-console-1", {
        type: "update_storm", at: new Date().toISOString(), basedOnVersion: first.state!.version, lost: ["dev-d"], restored: ["dev-b"]
      })
      yield* project("demo", "storm-console-1")
      yield* openIncident("demo", "no-storm-1", { priority: "P3" })
      yield* project("demo", "no-storm-1")

      const { token } = yield* signIn("operator")
      const incident = yield* call("GET", "/api/incidents/storm-console-1", { token })
      expect((incident.body as { storm: unknown }).storm).toEqual({ devices: 4, stillDown: 3 })
      const devices = yield* call("GET", "/api/incidents/storm-console-1/storm-devices", { token })
      expect(devices.status).toBe(200)
      expect(devices.body).toEqual({ incidentId: "storm-console-1", devices: 4, down: ["dev-a", "dev-c", "dev-d"] })
      expect((yield* call("GET", "/api/incidents/no-storm-1/storm-devices", { token })).body).toEqual({ incidentId: "no-storm-1", devices: 0, down: [] })
      expect((yield* call("GET", "/api/incidents/never-1/storm-devices", { token })).status).toBe(404)
    }))

  it.effect("another tenant's incident is 404 for reads and commands alike", () =>
    Effect.gen(function*() {
      yield* openIncident("north", "north-only")
      yield* project("north", "north-only")
      const { token } = yield* signIn("supervisor")
      expect((yield* call("GET", "/api/incidents/north-only", { token })).status).toBe(404)
      expect((yield* call("GET", "/api/incidents/north-only/timeline", { token })).status).toBe(404)
      expect((yield* call("POST", "/api/incidents/north-only/claim", { token })).status).toBe(404)
      expect((yield* call("POST", "/api/incidents/north-only/cancel", { token, body: { reason: "x" } })).status).toBe(404)
      expect((yield* call("GET", "/api/incidents/never-was", { token })).status).toBe(404)
    }))

  it.effect("of two operators claiming at once, one gets 200 and the other 409 naming the winner", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "race-1")
      yield* project("demo", "race-1")
      const kari = yield* signIn("operator")
      const ola = yield* signIn("operator2")
      const [a, b] = yield* Effect.all([
        call("POST", "/api/incidents/race-1/claim", { token: kari.token }),
        call("POST", "/api/incidents/race-1/claim", { token: ola.token })
      ], { concurrency: 2 })
      expect([a.status, b.status].sort()).toEqual([200, 409])
      const [won, lost] = a.status === 200 ? [a, b] : [b, a]
      const winner = won === a ? kari.user : ola.user
      expect(won.body.status).toBe("claimed")
      expect(won.body.claimedBy).toEqual({ kind: "operator", id: winner.id, name: winner.displayName })
      expect(lost.body.message).toBe(`claimed by ${winner.displayName}`)
      expect(lost.body.claimedBy.id).toBe(winner.id)
    }))

  it.effect("commands work on an incident the read model has not caught up with yet", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "unprojected-1")
      const { token } = yield* signIn("operator")
      const claimed = yield* call("POST", "/api/incidents/unprojected-1/claim", { token })
      expect(claimed.status).toBe(200)
      expect(claimed.body.claimedBy.id).toBe("user-operator")
    }))

  it.effect("claim, note and resolve: the incident ends resolved and its timeline tells the story", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "story-1", { priority: "P1" })
      const { token } = yield* signIn("operator")
      expect((yield* call("POST", "/api/incidents/story-1/resolve", { token, body: {} })).status).toBe(409)
      expect((yield* call("POST", "/api/incidents/story-1/claim", { token })).status).toBe(200)
      const noted = yield* call("POST", "/api/incidents/story-1/note", { token, body: { text: "resident answered the call", handlingCode: 8 } })
      expect(noted.status).toBe(200)
      const resolved = yield* call("POST", "/api/incidents/story-1/resolve", { token, body: { cause: "pressed by mistake", action: "reassured" } })
      expect(resolved.status).toBe(200)
      expect(resolved.body.status).toBe("resolved")
      expect((yield* call("POST", "/api/incidents/story-1/claim", { token })).status).toBe(409)

      yield* project("demo", "story-1")
      const one = yield* call("GET", "/api/incidents/story-1", { token })
      expect(one.body.status).toBe("resolved")
      const timeline = yield* call("GET", "/api/incidents/story-1/timeline", { token })
      expect(timeline.status).toBe(200)
      expect(timeline.body.incident.incidentId).toBe("story-1")
      const kinds = (timeline.body.entries as Array<{ kind: string }>).map((e) => e.kind)
      expect(kinds).toEqual(["device_event", "triage_decision", "incident_opened", "incident_claimed", "note_added", "incident_resolved"])
      expect(timeline.body.entries.find((e: { kind: string }) => e.kind === "note_added").handlingCode).toBe(8)
    }))

  it.effect("a supervisor may cancel an incident another operator owns; a bad body is 400", () =>
    Effect.gen(function*() {
      yield* openIncident("demo", "cancel-1", { priority: "P4" })
      const operator = yield* signIn("operator")
      const supervisor = yield* signIn("supervisor")
      yield* call("POST", "/api/incidents/cancel-1/claim", { token: operator.token })
      expect((yield* call("POST", "/api/incidents/cancel-1/cancel", { token: supervisor.token, body: {} })).status).toBe(400)
      const cancelled = yield* call("POST", "/api/incidents/cancel-1/cancel", { token: supervisor.token, body: { reason: "false alarm" } })
      expect(cancelled.status).toBe(200)
      expect(cancelled.body.status).toBe("cancelled")
    }))
})
