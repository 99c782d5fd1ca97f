import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { applyIncidentRecord } from "@wt/read-models"
import { scriptedDay } from "@wt/reports/testing"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

// Far above any sequence the live incidents of these tests reach, so the two never collide.
const scriptedSeq = 1_000_000

layer(ConsoleTestLayer, { excludeTestServices: true })("console reports", (it) => {
  it.effect("a supervisor gets the scripted day's SLA figures for their own tenant only", () =>
    Effect.gen(function*() {
      yield* Effect.forEach(scriptedDay(), (r, i) => applyIncidentRecord(r, scriptedSeq + i), { discard: true })
      const { token } = yield* signIn("supervisor")
      const answer = yield* call("GET", "/api/reports/sla?day=2026-11-24&timeZone=Europe/Oslo", { token })
      expect(answer.status).toBe(200)
      expect(answer.body.from).toBe("2026-11-23T23:00:00.000Z")
      const [sla, late] = answer.body.tables
      // The supervisor serves demo only: north's calls of the same day are not in it.
      expect(new Set(sla.rows.map((r: { tenant: string }) => r.tenant))).toEqual(new Set(["demo"]))
      expect(sla.rows[0]).toMatchObject({ tenant: "demo", by: "all", received: 14, answered: 11, waiting: 1, withdrawn: 2, share60s: 0.5833, share180s: 0.8333, meetsTargets: false })
      expect(late.rows.map((r: { incidentId: string }) => r.incidentId)).toEqual(["day-C", "day-E", "day-F", "day-J", "day-L"])
      expect(late.rows[0]).toMatchObject({ timelineUrl: "/#/timeline/day-C", timelineCommand: "pnpm wt timeline day-C" })
    }))

  it.effect("operators are refused with 403, another tenant is 404, a bad query 400, no session 401", () =>
    Effect.gen(function*() {
      const operator = yield* signIn("operator")
      expect((yield* call("GET", "/api/reports/sla", { token: operator.token })).status).toBe(403)
      expect((yield* call("GET", "/api/reports/indicators/csv", { token: operator.token })).status).toBe(403)
      const { token } = yield* signIn("supervisor")
      expect((yield* call("GET", "/api/reports/sla?tenant=north&day=2026-11-24", { token })).status).toBe(404)
      expect((yield* call("GET", "/api/reports/ownerless/csv?tenant=north", { token })).status).toBe(404)
      expect((yield* call("GET", "/api/reports/sla?day=24.11.2026", { token })).status).toBe(400)
      expect((yield* call("GET", "/api/reports/sla?from=2026-11-24T10:00:00Z&to=2026-11-24T09:00:00Z", { token })).status).toBe(400)
      expect((yield* call("GET", "/api/reports/sla?operators=many", { token })).status).toBe(400)
      expect((yield* call("GET", "/api/reports/everything", { token })).status).toBe(400)
      expect((yield* call("GET", "/api/reports/sla")).status).toBe(401)
    }))

  it.effect("the OpenAPI document describes both report endpoints, CSV as text/csv", () =>
    Effect.gen(function*() {
      const doc = (yield* call("GET", "/api/openapi.json")).body
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/reports/{kind}", "/api/reports/{kind}/csv"]))
      expect(Object.keys(doc.paths["/api/reports/{kind}/csv"].get.responses["200"].content)).toEqual(["text/csv; charset=utf-8"])
    }))

  it.effect("every report downloads as CSV with its header line", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const csv = yield* call("GET", "/api/reports/sla/csv?day=2026-11-24&tenant=demo", { token })
      expect(csv.status).toBe(200)
      expect(csv.headers.get("content-type")).toContain("text/csv")
      expect(csv.headers.get("content-disposition")).toBe('attachment; filename="sla-2026-11-24.csv"')
      const lines = (csv.body as string).trimEnd().split("\r\n")
      expect(lines[0]).toBe("tenant,by,group,received,answered,waiting,withdrawn,within60s,counted60s,share60s,within180s,counted180s,share180s,medianMs,p90Ms,maxMs,meetsTargets")
      expect(lines[1]).toBe("demo,all,all,14,11,1,2,7,12,0.5833,10,12,0.8333,45000,150000,200000,false")
      for (const kind of ["on-site", "repeated", "floods", "ownerless", "indicators"]) {
        const answer = yield* call("GET", `/api/reports/${kind}/csv?day=2026-11-24`, { token })
        expect(answer.status).toBe(200)
        expect((answer.body as string).split("\r\n")[0]!.length).toBeGreaterThan(0)
      }
      const late = yield* call("GET", "/api/reports/sla/csv?day=2026-11-24&table=late", { token })
      expect((late.body as string).split("\r\n")[0]).toBe("incidentId,tenant,priority,receivedAt,answerMs,waitingMs,timelineUrl,timelineCommand")
      expect((yield* call("GET", "/api/reports/sla/csv?table=nothing", { token })).status).toBe(400)

      // Every report that left the server is an export in the audit trail, with who took it.
      const exports = (yield* readSubject(Streams.audit, Subjects.audit("demo", "export")))
        .map((m) => JSON.parse(new TextDecoder().decode(m.data)))
      const slaCsv = exports.find((e) => e.data?.report === "sla" && e.data?.format === "csv" && e.actor.id === "user-admin")
      expect(slaCsv).toMatchObject({ tenant: "demo", kind: "export", summary: "sla report (csv) for 2026-11-23T23:00:00.000Z – 2026-11-24T23:00:00.000Z", data: { rows: 13 } })
      // A refused request leaves nothing behind.
      expect(exports.filter((e) => e.actor.id === "user-operator")).toEqual([])
    }))

  it.effect("an incident claimed through the API is in the figures at once, and the registry's users in the indicators", () =>
    Effect.gen(function*() {
      const receivedAt = new Date(Date.now() - 30_000).toISOString()
      yield* openIncident("demo", "report-live-1", { priority: "P1", at: receivedAt })
      const operator = yield* signIn("operator")
      expect((yield* call("POST", "/api/incidents/report-live-1/claim", { token: operator.token })).status).toBe(200)
      yield* project("demo", "report-live-1")
      const { token } = yield* signIn("supervisor")
      // From just before it, so the scripted day (whenever the tests run) stays out.
      const since = `from=${encodeURIComponent(new Date(Date.parse(receivedAt) - 1000).toISOString())}`
      const sla = yield* call("GET", `/api/reports/sla?${since}`, { token })
      expect(sla.status).toBe(200)
      const all = sla.body.tables[0].rows[0]
      expect(all).toMatchObject({ tenant: "demo", by: "all", received: 1, answered: 1, within180s: 1 })
      const indicators = yield* call("GET", `/api/reports/indicators?${since}`, { token })
      const demo = indicators.body.tables[0].rows[0]
      // The fixture seeds five residents, each with a safety alarm.
      expect(demo).toMatchObject({ tenant: "demo", users: 5, usersSafetyAlarm: 5, alarms: 1, technical: 0, care: 1 })
    }))
})
