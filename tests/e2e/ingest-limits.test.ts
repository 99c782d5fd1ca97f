import { expect, layer } from "@effect/vitest"
import { randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import { DeadLetter, Streams } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { demoEncrypts, demoWireDigits } from "@wt/registry/demo"
import { encodeDc09, readDc09Reply } from "@wt/sim-devices/protocols/dc09"
import { queryRequest } from "@wt/sim-devices/protocols/osmand"
import { encodeMrq, readMrs } from "@wt/sim-devices/protocols/scaip"
import { dispenserDelivery } from "@wt/sim-devices/protocols/webhook"
import { contactIdData } from "@wt/sim-devices/protocols/dc09"
import { onDatabase } from "../support/database.ts"
import { alarmDevice, gpsDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson, request } from "../support/http.ts"
import { udpExchange } from "../support/sockets.ts"
import { E2ESystem } from "../support/system.ts"

/**
 * A runaway device or a looping platform is refused past its lane's budget, so it cannot starve the
 * others (429 and
 * Retry-After on HTTP; each protocol's own "busy" on the receivers), every refusal counted and
 * kept in WT_DLQ, and care alarms never refused by a budget heartbeats or positions spent.
 * Tiny budgets here, so a test hits them in a few requests; the defaults are in docs/ingest-limits.md.
 */
const Limits = {
  device: { tech: { perSecond: 0.01, burst: 3 }, telemetry: { perSecond: 0.01, burst: 3 } },
  sender: { telemetry: { perSecond: 0.01, burst: 12 } }
}
const System = E2ESystem.layerWithNatsAnd({ env: { WT_INGEST_LIMITS: JSON.stringify(Limits) } })

const decodeLetter = Schema.decodeUnknownSync(Schema.fromJsonString(DeadLetter))
const letters = (subject: string) =>
  Effect.map(readSubject(Streams.deadLetter, subject), (ms) => ms.map((m) => decodeLetter(new TextDecoder().decode(m.data))))
const rawOf = (letter: DeadLetter) => Buffer.from(letter.rawBase64, "base64")

/** Sum of a counter's series whose labels include all of `labels`, scraped from a service's /metrics. */
const counter = (url: string, name: string, labels: Record<string, string>) =>
  Effect.promise(async () => {
    const text = await (await fetch(`${url}/metrics`)).text()
    return text.split("\n").filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      .reduce((n, line) => n + Number(line.split(" ").at(-1)), 0)
  })

const heartbeat = (deviceId: string) => pendantAlarm(deviceId, { type: "technical", payload: { event: "heartbeat" } } as never)
const position = (deviceId: string) => pendantAlarm(deviceId, { type: "gps", payload: { lat: 69.1, lon: 17.4 } } as never)

/** The first demo safety alarm from the n-th resident on whose DC-09 frames go in the clear. */
const clearDc09Unit = (n: number) => {
  for (let i = n; ; i++) {
    const { deviceId } = alarmDevice(i)
    const account = demoWireDigits("1", { id: deviceId, type: "safety_alarm" })!
    if (!demoEncrypts(account)) return { deviceId, account }
  }
}

layer(System, { excludeTestServices: true, timeout: "120 seconds" })("ingest limits: nesting, rates per device and sender, lane by lane", (it) => {
  it.effect("50,000 nested brackets to POST /v1/events: 400 naming the nesting (was 500 with an empty body), the exact bytes in WT_DLQ", () =>
    Effect.gen(function*() {
      const { ingestUrl, ingestKey } = yield* E2ESystem
      const body = "[".repeat(50_000) + "]".repeat(50_000)
      const answer = yield* postJson(`${ingestUrl}/v1/events`, body, { authorization: `Bearer ${ingestKey}` })
      expect(answer.status).toBe(400)
      expect(answer.body.error).toContain("nested deeper than 32 levels")
      const kept = yield* eventually(Effect.map(letters("wt.dlq.gateway"), (ls) => ls.find((l) => l.reason.includes("nested deeper"))), 10_000)
      expect(rawOf(kept).toString()).toBe(body)
      // Nested objects too, and the gateway is still serving.
      const objects = '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000)
      expect((yield* postJson(`${ingestUrl}/v1/events`, objects, { authorization: `Bearer ${ingestKey}` })).status).toBe(400)
      expect((yield* postJson(`${ingestUrl}/v1/events`, pendantAlarm(alarmDevice(1).deviceId), { authorization: `Bearer ${ingestKey}` })).status).toBe(202)
    }))

  it.effect("a device flooding heartbeats gets 429 with Retry-After, counted and kept in WT_DLQ; its pendant alarm is still accepted", () =>
    Effect.gen(function*() {
      const { ingestUrl, ingestKey, services } = yield* E2ESystem
      const auth = { authorization: `Bearer ${ingestKey}` }
      const { deviceId } = alarmDevice(10)
      const batch = [heartbeat(deviceId), heartbeat(deviceId), heartbeat(deviceId), heartbeat(deviceId)]
      const first = yield* postJson(`${ingestUrl}/v1/events`, batch, auth)
      expect(first.status).toBe(202)
      expect(first.body.accepted).toEqual(batch.slice(0, 3).map((e) => e.id))
      expect(first.body.rejected).toEqual([{ index: 3, reason: expect.stringContaining(`rate limit: device demo/${deviceId} is over its tech lane`) }])
      expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)

      const again = heartbeat(deviceId)
      const refused = yield* postJson(`${ingestUrl}/v1/events`, again, auth)
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(1)
      expect(refused.body.error).toContain("rate limit")
      expect(refused.body.accepted).toEqual([])

      // The alarm lane has a budget of its own.
      const alarm = pendantAlarm(deviceId)
      const answer = yield* postJson(`${ingestUrl}/v1/events`, alarm, auth)
      expect(answer.status).toBe(202)
      expect(answer.body.accepted).toEqual([alarm.id])

      const kept = yield* eventually(Effect.map(letters("wt.dlq.gateway"), (ls) => {
        const limited = ls.filter((l) => l.reason.includes("over rate limits"))
        const whole = limited.find((l) => rawOf(l).toString() === JSON.stringify(again))
        const part = limited.find((l) => rawOf(l).toString().includes(batch[3]!.id))
        return whole !== undefined && part !== undefined ? { whole, part } : undefined
      }), 10_000)
      expect(kept.whole.tenant).toBe("demo")
      expect(JSON.parse(rawOf(kept.part).toString())).toEqual([batch[3]])
      expect(yield* counter(services.gateway.url, "wt_ingest_rate_limited_total", { entry: "http", scope: "device", lane: "tech" })).toBe(2)
      expect(yield* counter(services.gateway.url, "wt_ingest_events_total", { result: "rate_limited" })).toBe(2)
    }))

  it.effect("an ingest key over its telemetry budget: positions of any device refused, another device's care alarm accepted", () =>
    Effect.gen(function*() {
      const { ingestUrl, ingestKey, services } = yield* E2ESystem
      const auth = { authorization: `Bearer ${ingestKey}` }
      // Twelve positions of twelve devices: each device within its own budget, the key at its burst.
      const devices = Array.from({ length: 13 }, (_, i) => `gps-e2e-${i}`)
      const positions = devices.map(position)
      const answer = yield* postJson(`${ingestUrl}/v1/events`, positions, auth)
      expect(answer.status).toBe(202)
      expect(answer.body.accepted).toHaveLength(12)
      expect(answer.body.rejected).toEqual([{ index: 12, reason: expect.stringMatching(/^rate limit: sender key:[0-9a-f]{16} is over its telemetry lane/) }])
      // The key itself is named nowhere in the answer.
      expect(JSON.stringify(answer.body)).not.toContain(ingestKey)
      const alarm = pendantAlarm(alarmDevice(11).deviceId)
      expect((yield* postJson(`${ingestUrl}/v1/events`, alarm, auth)).status).toBe(202)
      expect(yield* counter(services.gateway.url, "wt_ingest_rate_limited_total", { entry: "http", scope: "sender", lane: "telemetry" })).toBe(1)
    }))

  it.effect("receivers answer their protocol's busy: OsmAnd 503 with Retry-After, SCAIP snu 6, DC-09 no ACK; alarms still in, refusals kept", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const port = sys.protocolPorts

      // OsmAnd: a tracker's fourth position in a moment is 503; its SOS is 200.
      const tracker = gpsDevice(20)
      const trackerId = demoWireDigits("1", { id: tracker.deviceId, type: "gps" })!
      const osmand = (alarm?: string) =>
        Effect.flatMap(Effect.sync(() => queryRequest({ deviceId: trackerId, epochMs: Date.now(), lat: 69.15, lon: 17.41, ...(alarm === undefined ? {} : { alarm }) })), (r) =>
          request(`http://127.0.0.1:${port.osmand}${r.url}`))
      for (let i = 0; i < 3; i++) expect((yield* osmand()).status).toBe(200)
      const busy = yield* osmand()
      expect(busy.status).toBe(503)
      expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(1)
      expect((yield* osmand("sos")).status).toBe(200)

      // SCAIP: a unit's heartbeats (stc 0090) past its budget are answered busy (snu 6); its alarm snu 0.
      const unit = alarmDevice(12)
      const cid = demoWireDigits("1", { id: unit.deviceId, type: "safety_alarm" })!
      const scaip = (stc: number, ref: string) =>
        Effect.map(
          request(`http://127.0.0.1:${port.scaip}/`, { method: "POST", headers: { "content-type": "application/scaip+xml" }, body: encodeMrq({ ref, cid, dty: 3, stc, pri: stc === 90 ? 5 : 1 }) }),
          (a) => readMrs(String(a.body))
        )
      for (let i = 0; i < 3; i++) expect(yield* scaip(90, `B000${i}`)).toEqual({ ref: `B000${i}`, snu: 0 })
      expect(yield* scaip(90, "B0009")).toEqual({ ref: "B0009", snu: 6 })
      expect(yield* scaip(10, "A0001")).toEqual({ ref: "A0001", snu: 0 })

      // DC-09: link tests (heartbeats) past the budget get no ACK, so the unit repeats later; its Contact ID 101 is ACKed.
      const dc09 = clearDc09Unit(40)
      let sequence = 500
      const frame = (type: "NULL" | "ADM-CID") => ({
        type,
        sequence: ++sequence,
        line: "1",
        account: dc09.account,
        timestamp: new Date(),
        data: type === "NULL" ? "" : contactIdData(dc09.account, { qualifier: 1, code: "101", zone: "001" })
      })
      for (let i = 0; i < 3; i++) {
        const link = frame("NULL")
        expect(readDc09Reply(new Uint8Array((yield* udpExchange(port.dc09, encodeDc09(link)))!))).toMatchObject({ kind: "ACK", sequence: link.sequence })
      }
      const unanswered = frame("NULL")
      expect(yield* udpExchange(port.dc09, encodeDc09(unanswered), 1500)).toBeUndefined()
      const alarm = frame("ADM-CID")
      expect(readDc09Reply(new Uint8Array((yield* udpExchange(port.dc09, encodeDc09(alarm)))!))).toMatchObject({ kind: "ACK", sequence: alarm.sequence })

      // Each refusal kept with its bytes and counted by protocol.
      const kept = yield* eventually(Effect.gen(function*() {
        const o = (yield* letters("wt.dlq.osmand")).find((l) => l.reason.includes("(rate_limited)"))
        const s = (yield* letters("wt.dlq.scaip")).find((l) => l.reason.includes("(rate_limited)"))
        const d = (yield* letters("wt.dlq.dc09")).find((l) => l.reason.includes("(rate_limited)"))
        return o && s && d ? { o, s, d } : undefined
      }), 10_000)
      expect(rawOf(kept.o).toString()).toContain(`id=${trackerId}`)
      expect(rawOf(kept.s).toString()).toContain("B0009")
      expect(rawOf(kept.d).equals(Buffer.from(encodeDc09(unanswered)))).toBe(true)
      for (const protocol of ["osmand", "scaip", "dc09"]) {
        expect(yield* counter(sys.services.receivers.url, "wt_receiver_frames_total", { protocol, outcome: "rate_limited" })).toBe(1)
        expect(yield* counter(sys.services.receivers.url, "wt_ingest_rate_limited_total", { entry: protocol, scope: "device" })).toBe(1)
      }
    }))

  it.effect("a vendor platform looping a dispenser's heartbeats: 429 with Retry-After, its missed-dose alarm in the same delivery stored", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const dispenser = (yield* onDatabase(sys.databaseUrl, (sql) =>
        sql<{ id: string }>`SELECT id FROM devices WHERE tenant = 'demo' AND type = 'medication' ORDER BY id LIMIT 1`))[0]!
      const serial = demoWireDigits("1", { id: dispenser.id, type: "medication" })!
      const beats = Array.from({ length: 4 }, () => ({ transactionId: randomUUID(), serial, measurement: "heartbeat" as const, atMs: Date.now() - 1000 }))
      const missed = { transactionId: randomUUID(), serial, measurement: "medicine_not_taken" as const, atMs: Date.now() - 1000, dose: { id: "evening", scheduledAtMs: Date.now() - 3_600_000 } }
      const delivery = dispenserDelivery([...beats, missed], sys.webhookSecrets["demo-dispenser"], Date.now())
      const answer = yield* request(`${sys.ingestUrl}${delivery.path}`, { method: "POST", headers: delivery.headers, body: delivery.body })
      expect(answer.status).toBe(429)
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(1)
      expect(answer.body.accepted).toHaveLength(4)
      expect(answer.body.rejected).toEqual([{ index: 3, reason: expect.stringContaining("tech lane") }])
      const kept = yield* eventually(Effect.map(letters("wt.dlq.webhook"), (ls) => ls.find((l) => l.reason.includes("(rate_limited)"))), 10_000)
      expect(rawOf(kept).toString()).toBe(delivery.body)
    }))
})
