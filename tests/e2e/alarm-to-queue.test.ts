import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { alarmDevice, gpsDevice, pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"
import { openStream } from "../support/sse.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "60 seconds" })("a pendant alarm from device to queue, stream, timeline and audit", (it) => {
  it.effect("becomes an open P1 in the queue within 1 s, on the live stream, with its timeline and audit entries", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const stream = yield* openStream(`${sys.consoleUrl}/api/stream`, token)
      const { deviceId, residentId } = alarmDevice(10)
      const alarm = pendantAlarm(deviceId)

      const postedAt = Date.now()
      const accepted = yield* postJson(`${sys.ingestUrl}/v1/events`, alarm, { authorization: `Bearer ${sys.ingestKey}` })
      expect(accepted.status).toBe(202)
      expect(accepted.body).toEqual({ accepted: [alarm.id], rejected: [] })

      const queued = yield* queuedIncident(sys.consoleUrl, token, residentId, { timeoutMs: 1000, intervalMs: 5 })
      const latencyMs = Date.now() - postedAt
      console.log(`pendant alarm ingest → queue: ${latencyMs} ms`)
      expect(latencyMs).toBeLessThan(1000)
      expect(queued).toMatchObject({ priority: "P1", status: "open", alarmType: "safety_alarm:pendant", owner: { kind: "queue" } })

      const live = yield* eventually(Effect.sync(() => stream.events.find((e) => e.data.state?.incidentId === queued.incidentId)), 1000, 5)
      expect(live.event).toBe("incident")
      expect(live.data.event.type).toBe("incident_opened")
      stream.close()

      const timeline = yield* request(`${sys.consoleUrl}/api/incidents/${queued.incidentId}/timeline`, { headers: bearer(token) })
      expect(timeline.status).toBe(200)
      const kinds = timeline.body.entries.map((e: any) => e.kind)
      expect(kinds).toEqual(expect.arrayContaining(["device_event", "triage_decision", "incident_opened"]))
      const decision = timeline.body.entries.find((e: any) => e.kind === "triage_decision")
      expect(decision.detail).toMatchObject({ ruleId: "care.alarm", priority: "P1" })

      const audit = yield* eventually(
        Effect.map(readSubject(Streams.audit, Subjects.auditAll), (ms) => {
          const entries = ms.map((m) => decodeEntry(new TextDecoder().decode(m.data)))
          const kinds = new Set(entries.filter((e) => e.subject.eventId === alarm.id || e.subject.incidentId === queued.incidentId).map((e) => e.kind))
          return kinds.size === 3 ? [...kinds].sort() : undefined
        }),
        5000
      )
      expect(audit).toEqual(["device_event", "incident_event", "triage_decision"])
    }))

  it.effect("forty pendant alarms in a row each reach the live stream and the queue within 1 s (p50/p99 printed)", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "supervisor", sys.password)
      const stream = yield* openStream(`${sys.consoleUrl}/api/stream`, token)
      const toStream: Array<number> = []
      const toQueue: Array<number> = []
      for (let n = 0; n < 40; n++) {
        const { deviceId, residentId } = alarmDevice(100 + n)
        const alarm = pendantAlarm(deviceId)
        const t0 = Date.now()
        yield* postJson(`${sys.ingestUrl}/v1/events`, alarm, { authorization: `Bearer ${sys.ingestKey}` })
        const live = yield* eventually(Effect.sync(() => stream.events.find((e) => e.data.state?.residentId === residentId)), 1000, 2)
        toStream.push(live.receivedAt - t0)
        yield* queuedIncident(sys.consoleUrl, token, residentId, { timeoutMs: 1000, intervalMs: 2 })
        toQueue.push(Date.now() - t0)
      }
      stream.close()
      const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]
      console.log(`ingest → live stream: p50 ${pct(toStream, 50)} ms, p99 ${pct(toStream, 99)} ms; ingest → GET /api/incidents: p50 ${pct(toQueue, 50)} ms, p99 ${pct(toQueue, 99)} ms (n=40)`)
      expect(Math.max(...toQueue)).toBeLessThan(1000)
    }))

  it.effect("a GPS tracker's SOS travels the alarm lane and becomes an open P1", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const { deviceId, residentId } = gpsDevice(20)
      const sos = pendantAlarm(deviceId, { type: "gps", payload: { lat: 59.91, lon: 10.75, sos: true } } as never)
      const accepted = yield* postJson(`${sys.ingestUrl}/v1/events`, sos, { authorization: `Bearer ${sys.ingestKey}` })
      expect(accepted.status).toBe(202)
      const onAlarmLane = yield* readSubject(Streams.device, Subjects.device("demo", "alarm", "gps", deviceId))
      expect(onAlarmLane.map((m) => new TextDecoder().decode(m.data)).filter((d) => d.includes(sos.id))).toHaveLength(1)
      const queued = yield* queuedIncident(sys.consoleUrl, token, residentId, { timeoutMs: 2000 })
      expect(queued).toMatchObject({ priority: "P1", status: "open" })
    }))

  it.effect("the same event posted twice is one stored event and one incident", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const { deviceId, residentId } = alarmDevice(11)
      const alarm = pendantAlarm(deviceId)
      const first = yield* postJson(`${sys.ingestUrl}/v1/events`, alarm, { authorization: `Bearer ${sys.ingestKey}` })
      const second = yield* postJson(`${sys.ingestUrl}/v1/events`, alarm, { authorization: `Bearer ${sys.ingestKey}` })
      expect([first.status, second.status]).toEqual([202, 202])
      const stored = yield* readSubject(Streams.device, Subjects.device("demo", "alarm", "safety_alarm", deviceId))
      expect(stored.filter((m) => new TextDecoder().decode(m.data).includes(alarm.id))).toHaveLength(1)
      const incident = yield* queuedIncident(sys.consoleUrl, token, residentId, { timeoutMs: 2000 })
      yield* Effect.sleep("300 millis")
      const all = yield* request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(token) })
      expect(all.body.filter((i: any) => i.residentId === residentId)).toHaveLength(1)
      expect(incident.deviceEventCount).toBe(1)
    }))

  it.effect("two concurrent claims: exactly one succeeds, the other gets 409", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const kari = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const ola = yield* signIn(sys.consoleUrl, "operator2", sys.password)
      const { deviceId, residentId } = alarmDevice(12)
      yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(deviceId), { authorization: `Bearer ${sys.ingestKey}` })
      const incident = yield* queuedIncident(sys.consoleUrl, kari, residentId, { timeoutMs: 2000 })
      const claim = (token: string) => postJson(`${sys.consoleUrl}/api/incidents/${incident.incidentId}/claim`, {}, bearer(token))
      const [a, b] = yield* Effect.all([claim(kari), claim(ola)], { concurrency: 2 })
      expect([a.status, b.status].sort()).toEqual([200, 409])
      const loser = a.status === 409 ? a : b
      expect(JSON.stringify(loser.body)).toMatch(/claimed by/i)
      const winner = a.status === 200 ? a : b
      const resolved = yield* postJson(`${sys.consoleUrl}/api/incidents/${incident.incidentId}/resolve`, { cause: "resident reassured" }, bearer(a.status === 200 ? kari : ola))
      expect(resolved.status).toBe(200)
      expect(resolved.body.status).toBe("resolved")
      expect(winner.body.status).toBe("claimed")
    }))
})
