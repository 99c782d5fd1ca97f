import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { DeadLetter, Streams } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { demoWireDigits } from "@wt/registry/demo"
import { jsonRequest, queryRequest, type TrackerRequest } from "@wt/sim-devices/protocols/osmand"
import { encodeMrq, readMrs } from "@wt/sim-devices/protocols/scaip"
import { onDatabase } from "../support/database.ts"
import { eventually, queuedIncident, request, signIn } from "../support/http.ts"
import { tcpExchange } from "../support/sockets.ts"
import { E2ESystem } from "../support/system.ts"

/** A SCAIP unit and an OsmAnd tracker, as the simulator's own encoders write them, over real sockets. */
const decodeLetter = Schema.decodeUnknownSync(Schema.fromJsonString(DeadLetter))
const letters = (subject: string) =>
  Effect.map(readSubject(Streams.deadLetter, subject), (ms) => ms.map((m) => decodeLetter(new TextDecoder().decode(m.data))))

const deviceOf = (where: string) =>
  E2ESystem.use((sys) =>
    onDatabase(sys.databaseUrl, (sql) =>
      sql<{ id: string; resident_id: string; type: "medication" | "gps" | "safety_alarm"; geofence: unknown }>`
        SELECT d.id, d.resident_id, d.type, r.geofence FROM devices d JOIN residents r ON r.tenant = d.tenant AND r.id = d.resident_id
        WHERE d.tenant = 'demo' AND ${sql.unsafe(where)} ORDER BY d.id LIMIT 1`)).pipe(Effect.map((rows) => rows[0]!))

const mrsComplete = (received: Buffer) => received.toString("latin1").includes("</mrs>")

const send = (port: number, r: TrackerRequest) =>
  request(`http://127.0.0.1:${port}${r.url}`, {
    method: r.method,
    ...(r.contentType !== undefined ? { headers: { "content-type": r.contentType } } : {}),
    ...(r.method === "POST" ? { body: r.body } : {})
  })

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "90 seconds" })("SCAIP and OsmAnd over real sockets", (it) => {
  it.effect("a SCAIP 'pill not taken' from a dispenser is answered snu 0 once stored, and is a medication incident on the queue", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const dispenser = yield* deviceOf("d.type = 'medication'")
      const cid = demoWireDigits("1", dispenser)!
      const mrq = encodeMrq({ ref: "R0001", cid, dty: 11, stc: 81, pri: 3, time: { epochMs: Date.now(), offsetHours: 1 } }, { declaration: true })
      const answer = readMrs((yield* tcpExchange(sys.protocolPorts.scaip, new TextEncoder().encode(mrq), { complete: mrsComplete })).toString())
      expect(answer).toEqual({ ref: "R0001", snu: 0 })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, dispenser.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ category: "medication", priority: "P3", alarmType: expect.stringContaining("medication") })
    }))

  it.effect("SCAIP over HTTP POST on the same port; a retransmission collapses; an unknown controller is told 'not treated' and kept", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const alarm = yield* deviceOf("d.type = 'safety_alarm' AND d.id = 'alarm-000050'")
      const cid = demoWireDigits("1", alarm)!
      const mrq = encodeMrq({ ref: "H0001", cid, dty: 3, stc: 10, pri: 1 })
      const post = () => request(`http://127.0.0.1:${sys.protocolPorts.scaip}/`, { method: "POST", headers: { "content-type": "application/scaip+xml" }, body: mrq })
      const first = yield* post()
      expect(first.status).toBe(200)
      expect(readMrs(String(first.body))).toEqual({ ref: "H0001", snu: 0 })
      expect(readMrs(String((yield* post()).body))).toEqual({ ref: "H0001", snu: 0 })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, alarm.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", deviceEventCount: 1 })

      const stranger = encodeMrq({ ref: "X0001", cid: "99999999", dty: 3, stc: 10 })
      const refused = readMrs((yield* tcpExchange(sys.protocolPorts.scaip, new TextEncoder().encode(stranger), { complete: mrsComplete })).toString())
      expect(refused).toEqual({ ref: "X0001", snu: 5 })
      const kept = yield* eventually(Effect.map(letters("wt.dlq.scaip"), (ls) => ls.find((l) => Buffer.from(l.rawBase64, "base64").toString() === stranger)), 10_000)
      expect(kept.reason).toContain("not registered")
    }))

  it.effect("an OsmAnd SOS from a tracker outside its wearer's geofence is a P1 on the queue; the JSON form works too", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      // A wearer with no dispenser: the first test's medication incident is not theirs.
      const tracker = yield* deviceOf(
        "d.type = 'gps' AND r.geofence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM devices m WHERE m.tenant = d.tenant AND m.resident_id = d.resident_id AND m.type = 'medication')"
      )
      const fence = (typeof tracker.geofence === "string" ? JSON.parse(tracker.geofence) : tracker.geofence) as { lat: number; lon: number }
      const id = demoWireDigits("1", tracker)!
      const sos = queryRequest({ deviceId: id, epochMs: Date.now(), lat: fence.lat + 0.05, lon: fence.lon, speedMps: 1.2, batteryPct: 64, alarm: "sos" })
      const answer = yield* send(sys.protocolPorts.osmand, sos)
      expect(answer.status).toBe(200)
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, tracker.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", category: "location" })

      const position = jsonRequest({ deviceId: id, epochMs: Date.now(), lat: fence.lat, lon: fence.lon, accuracyM: 8, batteryPct: 63, uuid: crypto.randomUUID() })
      expect((yield* send(sys.protocolPorts.osmand, position)).status).toBe(200)
    }))

  it.effect("an OsmAnd report from an unknown tracker is refused (400, as Traccar) and kept in WT_DLQ; a report with an impossible position is kept too", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const stranger = queryRequest({ deviceId: "000000000000000", epochMs: Date.now(), lat: 59.9, lon: 10.7 })
      expect((yield* send(sys.protocolPorts.osmand, stranger)).status).toBe(400)
      const tracker = yield* deviceOf("d.type = 'gps'")
      const impossible = `/?id=${demoWireDigits("1", tracker)}&lat=123.4&lon=10.7&timestamp=${Math.floor(Date.now() / 1000)}`
      const answer = yield* request(`http://127.0.0.1:${sys.protocolPorts.osmand}${impossible}`)
      // Answered 200 so the client does not retry it forever behind every later position; kept, not stored.
      expect(answer.status).toBe(200)
      const kept = yield* eventually(
        Effect.map(letters("wt.dlq.osmand"), (ls) => {
          const unknown = ls.find((l) => l.reason.includes("000000000000000"))
          const bad = ls.find((l) => Buffer.from(l.rawBase64, "base64").toString().includes("lat=123.4"))
          return unknown !== undefined && bad !== undefined ? { unknown, bad } : undefined
        }),
        10_000
      )
      expect(kept.bad.tenant).toBe("demo")

      // A request Node's parser refuses (Traccar's own test generator sends "GET ?id=…", no "/"):
      // answered 400 and kept, not dropped without a word (interop B3).
      const malformed = `GET ?id=${demoWireDigits("1", tracker)}&lat=59.9&lon=10.7 HTTP/1.1\r\nHost: x\r\n\r\n`
      const answer400 = yield* tcpExchange(sys.protocolPorts.osmand, new TextEncoder().encode(malformed), { complete: (b) => b.toString().includes("\r\n\r\n") })
      expect(answer400.toString()).toMatch(/^HTTP\/1\.1 400/u)
      yield* eventually(Effect.map(letters("wt.dlq.osmand"), (ls) => ls.find((l) => Buffer.from(l.rawBase64, "base64").toString().startsWith("GET ?id="))), 10_000)
    }))
})
