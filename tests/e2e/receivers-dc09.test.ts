import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { DeadLetter, Streams } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { demoDc09Key, demoWireDigits } from "@wt/registry/demo"
import { contactIdData, type Dc09Message, encodeDc09, readDc09Reply } from "@wt/sim-devices/protocols/dc09"
import { alarmDevice } from "../support/events.ts"
import { onDatabase } from "../support/database.ts"
import { bearer, eventually, queuedIncident, request, signIn } from "../support/http.ts"
import { endsWithCr, tcpExchange, udpExchange } from "../support/sockets.ts"
import { E2ESystem } from "../support/system.ts"

/**
 * A SIA DC-09 alarm unit, as the independent transmitter in the device simulator encodes it,
 * reaching the centre over real sockets. Every device reports hourly here except the two
 * the link-test case is about, so only they can fall silent while it runs.
 */
const System = E2ESystem.layerWithNatsAnd({
  heartbeatIntervalS: 3600,
  env: { WT_SUPERVISION_GRACE_S: "1", WT_SUPERVISION_FLEET_EVERY: "1 second", WT_SUPERVISION_WATCH_EVERY: "500 millis" }
})

const decodeLetter = Schema.decodeUnknownSync(Schema.fromJsonString(DeadLetter))
const accountOf = (deviceId: string, type: "safety_alarm" | "sensor" = "safety_alarm") => demoWireDigits("1", { id: deviceId, type })!
let sequence = 100
const message = (account: string, data: Partial<Dc09Message> = {}): Dc09Message => ({
  type: "ADM-CID",
  sequence: ++sequence,
  line: "1",
  account,
  timestamp: new Date(),
  ...data
})

const overTcp = (port: number, m: Dc09Message) =>
  Effect.map(tcpExchange(port, encodeDc09(m), { complete: endsWithCr }), (bytes) => readDc09Reply(new Uint8Array(bytes), m.key))

layer(System, { excludeTestServices: true, timeout: "120 seconds" })("SIA DC-09 over real sockets", (it) => {
  it.effect("a Contact ID 101 (personal emergency) from a demo account is acknowledged, then a P1 on the queue", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const { deviceId, residentId } = alarmDevice(30)
      const account = accountOf(deviceId)
      const m = message(account, { data: contactIdData(account, { qualifier: 1, code: "101", zone: "001" }) })
      const reply = yield* overTcp(sys.protocolPorts.dc09, m)
      expect(reply).toMatchObject({ kind: "ACK", sequence: m.sequence, account, line: "1" })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, residentId, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", tenant: "demo", alarmType: "safety_alarm:pendant" })
      // Stored with what the frame said beyond the contract's fields (interop B1: they were dropped).
      const stored = yield* readSubject(Streams.device, `wt.dev.demo.alarm.safety_alarm.${deviceId}`)
      const event = JSON.parse(new TextDecoder().decode(stored[stored.length - 1]!.data))
      expect(event).toMatchObject({
        source: { via: "dc09", raw: expect.stringContaining(`"ADM-CID"`) },
        payload: { trigger: "pendant", code: "CID:1101", zone: "001", codeTable: expect.stringContaining("dc09-codes") }
      })
    }))

  it.effect("a Contact ID 111 (smoke) goes to the fire service before any home-care call-out", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const smoke = yield* onDatabase(sys.databaseUrl, (sql) =>
        sql<{ id: string; resident_id: string }>`SELECT id, resident_id FROM devices WHERE tenant = 'demo' AND sensor = 'smoke' ORDER BY id LIMIT 1`)
      const account = accountOf(smoke[0]!.id, "sensor")
      const m = message(account, { data: contactIdData(account, { qualifier: 1, code: "111", zone: "003" }) })
      expect(yield* overTcp(sys.protocolPorts.dc09, m)).toMatchObject({ kind: "ACK", sequence: m.sequence })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, smoke[0]!.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", category: "fire", fireService: true })
      const timeline = yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${incident.incidentId}/timeline`, { headers: bearer(operator) }), (a) => {
          const kinds: Array<string> = (a.body?.entries ?? []).map((e: any) => e.kind)
          return kinds.includes("agency_notified") ? kinds : undefined
        }),
        10_000
      )
      const offered = timeline.indexOf("handover_offered")
      expect(offered === -1 || timeline.indexOf("agency_notified") < offered).toBe(true)
    }))

  it.effect("an encrypted frame (AES-128, the unit's key from the registry) is decrypted, stored and answered with an encrypted ACK", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      // Every fourth demo safety alarm encrypts (demoEncrypts): alarm-000032 is one.
      const { deviceId, residentId } = { deviceId: "alarm-000032", residentId: (yield* onDatabase(sys.databaseUrl, (sql) =>
        sql<{ resident_id: string }>`SELECT resident_id FROM devices WHERE tenant = 'demo' AND id = 'alarm-000032'`))[0]!.resident_id }
      const account = accountOf(deviceId)
      const key = new Uint8Array(Buffer.from(demoDc09Key(sys.dc09KeySecret, account), "hex"))
      const m = message(account, { key, data: contactIdData(account, { qualifier: 1, code: "101" }) })
      const reply = yield* overTcp(sys.protocolPorts.dc09, m)
      expect(reply).toMatchObject({ kind: "ACK", encrypted: true, sequence: m.sequence, account })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      expect(yield* queuedIncident(sys.consoleUrl, operator, residentId, { timeoutMs: 10_000 })).toMatchObject({ priority: "P1" })

      // The same unit sending in the clear is refused: an account with a key must encrypt.
      const clear = message(account, { data: contactIdData(account, { qualifier: 1, code: "101" }) })
      expect(yield* overTcp(sys.protocolPorts.dc09, clear)).toMatchObject({ kind: "DUH", sequence: clear.sequence })
    }))

  it.effect("an unknown account is answered DUH and its frame kept in WT_DLQ; a damaged frame is not answered, and the receiver keeps serving", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const stranger = message("ABCDEF", { data: contactIdData("ABCDEF", { qualifier: 1, code: "101" }) })
      expect(yield* overTcp(sys.protocolPorts.dc09, stranger)).toMatchObject({ kind: "DUH", sequence: stranger.sequence, account: "ABCDEF" })
      const damaged = encodeDc09(message(accountOf("alarm-000031"), { data: contactIdData(accountOf("alarm-000031"), { qualifier: 1, code: "101" }) }))
      damaged[3] = damaged[3] === 0x30 ? 0x31 : 0x30
      expect(yield* udpExchange(sys.protocolPorts.dc09, damaged, 1500)).toBeUndefined()
      const kept = yield* eventually(
        Effect.map(readSubject(Streams.deadLetter, "wt.dlq.dc09"), (ms) => {
          const letters = ms.map((m) => decodeLetter(new TextDecoder().decode(m.data)))
          const unknown = letters.find((l) => l.reason.includes("ABCDEF"))
          const crc = letters.find((l) => l.reason.includes("bad_crc"))
          return unknown !== undefined && crc !== undefined ? { unknown, crc } : undefined
        }),
        10_000
      )
      expect(Buffer.from(kept.crc.rawBase64, "base64").equals(Buffer.from(damaged))).toBe(true)
      // Still serving.
      const { deviceId } = alarmDevice(33)
      const ok = message(accountOf(deviceId), { type: "NULL", data: "" })
      expect(readDc09Reply(new Uint8Array((yield* udpExchange(sys.protocolPorts.dc09, encodeDc09(ok)))!))).toMatchObject({ kind: "ACK", sequence: ok.sequence })
    }))

  it.effect("a unit sending NULL link tests is never raised as silent; one sending nothing is", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const linked = alarmDevice(40)
      const silent = alarmDevice(41)
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const account = accountOf(linked.deviceId)
      const linkTest = Effect.gen(function*() {
        const link = message(account, { type: "NULL", data: "" })
        const reply = yield* udpExchange(sys.protocolPorts.dc09, encodeDc09(link))
        expect(reply && readDc09Reply(new Uint8Array(reply))).toMatchObject({ kind: "ACK", sequence: link.sequence })
      })
      // Heard from before its interval shortens (both were enrolled, silent, when the file began).
      yield* linkTest
      yield* Effect.sleep("500 millis")
      yield* onDatabase(sys.databaseUrl, (sql) =>
        sql`UPDATE devices SET heartbeat_interval_s = 3 WHERE tenant = 'demo' AND id IN ${sql.in([linked.deviceId, silent.deviceId])}`)
      const started = Date.now()
      let raisedSilent: any
      while (Date.now() - started < 20_000 && (raisedSilent === undefined || Date.now() - started < 8_000)) {
        yield* linkTest
        yield* Effect.sleep("1 second")
        const open = yield* request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(operator) })
        raisedSilent = open.body.find((i: any) => i.residentId === silent.residentId && i.category === "technical")
      }
      // The unit that said nothing was raised: the watch was on and fast enough to notice.
      expect(raisedSilent).toBeDefined()
      const open = yield* request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(operator) })
      expect(open.body.filter((i: any) => i.residentId === linked.residentId)).toEqual([])
    }))
})
