import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { DeadLetter, Streams } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { demoWireDigits } from "@wt/registry/demo"
import { dispenserDelivery, sensorDelivery, type WebhookRequest } from "@wt/sim-devices/protocols/webhook"
import { onDatabase } from "../support/database.ts"
import { eventually, queuedIncident, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

/** Vendor platforms posting signed webhooks to the gateway's `POST /v1/webhooks/{vendor}`, as the simulator's own sender signs them. */
const decodeLetter = Schema.decodeUnknownSync(Schema.fromJsonString(DeadLetter))
const letters = Effect.map(readSubject(Streams.deadLetter, "wt.dlq.webhook"), (ms) => ms.map((m) => decodeLetter(new TextDecoder().decode(m.data))))

const post = (r: WebhookRequest) =>
  E2ESystem.use((sys) => request(`${sys.ingestUrl}${r.path}`, { method: "POST", headers: r.headers, body: r.body }))

const firstDevice = (where: string) =>
  E2ESystem.use((sys) =>
    onDatabase(sys.databaseUrl, (sql) =>
      sql<{ id: string; resident_id: string; type: "medication" | "sensor" }>`
        SELECT id, resident_id, type FROM devices WHERE tenant = 'demo' AND ${sql.unsafe(where)} ORDER BY id LIMIT 1`)).pipe(Effect.map((rows) => rows[0]!))

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "90 seconds" })("vendor webhooks", (it) => {
  it.effect("a dispenser cloud's signed 'medicine not taken' is stored before the 200 and is a medication incident on the queue", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const dispenser = yield* firstDevice("type = 'medication'")
      const delivery = dispenserDelivery([{
        transactionId: "tx-0001",
        serial: demoWireDigits("1", dispenser)!,
        measurement: "medicine_not_taken",
        atMs: Date.now() - 60_000,
        dose: { id: "morning", scheduledAtMs: Date.now() - 3_600_000 }
      }], sys.webhookSecrets["demo-dispenser"], Date.now())
      const answer = yield* post(delivery)
      expect(answer.status).toBe(200)
      expect(answer.body.rejected).toEqual([])
      expect(answer.body.accepted).toHaveLength(1)
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, dispenser.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ category: "medication", priority: "P3" })
      // The vendor retries: the same delivery lands once.
      expect((yield* post(delivery)).status).toBe(200)
    }))

  it.effect("a wrong signature and a replayed (stale) delivery are 401 and kept in WT_DLQ; an unknown vendor is 404", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const dispenser = yield* firstDevice("type = 'medication'")
      const event = { transactionId: "tx-forged", serial: demoWireDigits("1", dispenser)!, measurement: "medicine_taken" as const, atMs: Date.now() }
      const forged = dispenserDelivery([event], "not the vendor's secret", Date.now())
      expect((yield* post(forged)).status).toBe(401)
      const stale = dispenserDelivery([{ ...event, transactionId: "tx-stale" }], sys.webhookSecrets["demo-dispenser"], Date.now() - 10 * 60_000)
      expect((yield* post(stale)).status).toBe(401)
      expect((yield* post({ ...forged, path: "/v1/webhooks/no-such-vendor" })).status).toBe(404)
      const kept = yield* eventually(
        Effect.map(letters, (ls) => {
          const bad = ls.find((l) => Buffer.from(l.rawBase64, "base64").toString() === forged.body)
          const replay = ls.find((l) => l.reason.includes("stale_timestamp"))
          return bad !== undefined && replay !== undefined ? { bad, replay } : undefined
        }),
        10_000
      )
      expect(kept.bad.reason).toContain("bad_signature")
    }))

  it.effect("a sensor platform's smoke detection is a P1 fire; an event for a sensor nobody registered is named by index and kept", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      // A resident with no dispenser: the first test's medication incident is not theirs.
      const smoke = yield* firstDevice(
        "sensor = 'smoke' AND NOT EXISTS (SELECT 1 FROM devices m WHERE m.tenant = devices.tenant AND m.resident_id = devices.resident_id AND m.type = 'medication')"
      )
      const delivery = sensorDelivery([
        { id: "evt-smoke-1", sensorSerial: demoWireDigits("1", smoke)!, type: "sensor.detection.smoke", happenedAtMs: Date.now(), room: "kitchen" },
        { id: "evt-stranger-1", sensorSerial: "999999", type: "sensor.detection.door_open", happenedAtMs: Date.now() }
      ], [sys.webhookSecrets["demo-sensors"]], Date.now())
      const answer = yield* post(delivery)
      expect(answer.status).toBe(202)
      expect(answer.body.accepted).toHaveLength(1)
      expect(answer.body.rejected).toEqual([{ index: 1, reason: expect.stringContaining("not registered") }])
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      expect(yield* queuedIncident(sys.consoleUrl, operator, smoke.resident_id, { timeoutMs: 10_000 })).toMatchObject({ priority: "P1", category: "fire" })
      const kept = yield* eventually(Effect.map(letters, (ls) => ls.find((l) => l.reason.includes("999999"))), 10_000)
      expect(Buffer.from(kept.rawBase64, "base64").toString()).toContain("evt-stranger-1")
    }))
})
