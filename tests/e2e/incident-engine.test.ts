import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"
import { scrapeFamily } from "../bench/consumer-progress.ts"

const incidentOf = (sys: E2ESystem["Service"], token: string, residentId: string, status = "active") =>
  queuedIncident(sys.consoleUrl, token, residentId, { status, timeoutMs: 3000 })

const send = (sys: E2ESystem["Service"], body: unknown) => postJson(`${sys.ingestUrl}/v1/events`, body, { authorization: `Bearer ${sys.ingestKey}` })

layer(E2ESystem.layerWithNatsAnd({ env: { WT_ESCALATE_P1: "1 second", WT_ESCALATE_P4: "1 hour" } }), { excludeTestServices: true, timeout: "90 seconds" })(
  "incident engine across services",
  (it) => {
    it.effect("the third care alarm in six hours, after two closed as fine, is marked repeated and needs a second person to close", () =>
      Effect.gen(function*() {
        const sys = yield* E2ESystem
        const kari = yield* signIn(sys.consoleUrl, "operator", sys.password)
        const sara = yield* signIn(sys.consoleUrl, "supervisor", sys.password)
        const { deviceId, residentId } = alarmDevice(40)
        const handle = (id: string) =>
          Effect.gen(function*() {
            expect((yield* postJson(`${sys.consoleUrl}/api/incidents/${id}/claim`, {}, bearer(kari))).status).toBe(200)
            expect((yield* postJson(`${sys.consoleUrl}/api/incidents/${id}/resolve`, { cause: "resident fine" }, bearer(kari))).status).toBe(200)
          })
        for (let n = 0; n < 2; n++) {
          yield* send(sys, pendantAlarm(deviceId))
          const incident = yield* incidentOf(sys, kari, residentId, "open")
          expect(incident.repeated ?? false).toBe(false)
          yield* handle(incident.incidentId)
          yield* eventually(Effect.map(request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(kari) }), (a) =>
            a.body.some((i: any) => i.residentId === residentId) ? undefined : true))
        }
        yield* send(sys, pendantAlarm(deviceId))
        const third = yield* eventually(Effect.map(request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(kari) }), (a) =>
          a.body.find((i: any) => i.residentId === residentId && i.repeated === true)), 3000)
        expect(PRIORITY_AT_LEAST_P2.includes(third.priority)).toBe(true)
        const timeline = yield* request(`${sys.consoleUrl}/api/incidents/${third.incidentId}/timeline`, { headers: bearer(sara) })
        expect(timeline.body.entries.map((e: any) => e.kind)).toContain("incident_marked_repeated")

        yield* handle(third.incidentId)
        const alone = yield* postJson(`${sys.consoleUrl}/api/incidents/${third.incidentId}/close`, {}, bearer(kari))
        expect(alone.status).toBe(409)
        expect(JSON.stringify(alone.body)).toContain("another person")
        const confirmed = yield* postJson(`${sys.consoleUrl}/api/incidents/${third.incidentId}/close`, {}, bearer(sara))
        expect(confirmed.status).toBe(200)
        expect(confirmed.body.status).toBe("closed")
      }))

    it.effect("a P1 nobody claims is escalated within its limit and the escalation is in its timeline", () =>
      Effect.gen(function*() {
        const sys = yield* E2ESystem
        const sara = yield* signIn(sys.consoleUrl, "supervisor", sys.password)
        const { deviceId, residentId } = alarmDevice(41)
        yield* send(sys, pendantAlarm(deviceId))
        const escalated = yield* eventually(Effect.map(request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(sara) }), (a) =>
          a.body.find((i: any) => i.residentId === residentId && (i.escalationLevel ?? 0) >= 1)), 5000, 100)
        const timeline = yield* request(`${sys.consoleUrl}/api/incidents/${escalated.incidentId}/timeline`, { headers: bearer(sara) })
        expect(timeline.body.entries.map((e: any) => e.kind)).toContain("incident_escalated")
        // The console swept it, at the care path's priority; supervision, a bulk process, no longer does (decision 31).
        const escalationsOn = (name: "console" | "supervision") =>
          Effect.map(
            Effect.promise(() => scrapeFamily(`http://127.0.0.1:${sys.services.ports[name]}`, "wt_escalations_total")),
            (samples) => samples.filter((s) => s.labels.includes(`priority="P1"`))
          )
        const onConsole = yield* escalationsOn("console")
        expect(onConsole.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(1)
        expect(yield* escalationsOn("supervision")).toEqual([])
      }))

    it.effect("a power loss is a P4 technical incident that the engine resolves when power returns", () =>
      Effect.gen(function*() {
        const sys = yield* E2ESystem
        const sara = yield* signIn(sys.consoleUrl, "supervisor", sys.password)
        const { deviceId, residentId } = alarmDevice(42)
        yield* send(sys, { ...pendantAlarm(deviceId), type: "technical", payload: { event: "power_lost" } })
        const open = yield* incidentOf(sys, sara, residentId, "open")
        expect(open).toMatchObject({ priority: "P4", category: "technical" })
        yield* send(sys, { ...pendantAlarm(deviceId), type: "technical", payload: { event: "power_restored" } })
        const resolved = yield* eventually(Effect.map(request(`${sys.consoleUrl}/api/incidents/${open.incidentId}`, { headers: bearer(sara) }), (a) =>
          a.body.status === "resolved" ? a.body : undefined), 3000)
        expect(resolved.resolvedBy.kind).toBe("system")
      }))
  }
)

const PRIORITY_AT_LEAST_P2 = ["P1", "P2"]
