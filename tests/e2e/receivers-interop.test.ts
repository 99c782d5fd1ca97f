import { randomBytes, randomUUID } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Webhook } from "standardwebhooks"
import { DeadLetter, Streams } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { demoWireDigits } from "@wt/registry/demo"
import { onDatabase } from "../support/database.ts"
import { eventually, queuedIncident, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

/**
 * Our receivers checked against an implementation we did not write, so that a shared misreading of
 * the protocol cannot pass on both sides: deliveries signed by
 * the Standard Webhooks reference library for JavaScript (npm `standardwebhooks`), the scheme the
 * shipped `demo-sensors` mapping is modelled on, posted to the gateway's `POST /v1/webhooks/demo-sensors`.
 * The runs against public DC-09 and OsmAnd transmitters, which cannot live in this suite, are
 * recorded in docs/receivers-interop.md.
 */
const decodeLetter = Schema.decodeUnknownSync(Schema.fromJsonString(DeadLetter))
const letters = Effect.map(readSubject(Streams.deadLetter, "wt.dlq.webhook"), (ms) => ms.map((m) => decodeLetter(new TextDecoder().decode(m.data))))

/** A `demo-sensors` delivery of one event, as the mapping reads it (`/events`, `/sensor/sn`, `/type`, `/happened_at`, `/id`). */
const delivery = (type: string, sensorSerial: string) => {
  const eventId = `evt_${randomUUID()}`
  const body = JSON.stringify({ events: [{ id: eventId, type, happened_at: new Date().toISOString(), sensor: { sn: sensorSerial }, room: "hallway" }] })
  return { eventId, body }
}

/** The library's own headers for a body: `webhook-id`, `webhook-timestamp` (seconds), `webhook-signature: v1,<base64>`. */
const signed = (webhook: Webhook, body: string, messageId = `msg_${randomUUID()}`, at = new Date()) => ({
  "content-type": "application/json",
  "webhook-id": messageId,
  "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
  "webhook-signature": webhook.sign(messageId, at, body)
})

const post = (headers: Record<string, string>, body: string) =>
  E2ESystem.use((sys) => request(`${sys.ingestUrl}/v1/webhooks/demo-sensors`, { method: "POST", headers, body }))

/** A sensor of the kind whose resident has nothing else in this file (each test its own resident). */
const sensorOf = (kind: string, offset: number) =>
  E2ESystem.use((sys) =>
    onDatabase(sys.databaseUrl, (sql) =>
      sql<{ id: string; resident_id: string }>`
        SELECT id, resident_id FROM devices WHERE tenant = 'demo' AND type = 'sensor' AND sensor = ${kind}
        ORDER BY id LIMIT 1 OFFSET ${offset}`)).pipe(Effect.map((rows) => ({ ...rows[0]!, serial: demoWireDigits("1", { id: rows[0]!.id, type: "sensor" })! })))

const storedEventIds = (deviceId: string) =>
  Effect.map(readSubject(Streams.device, `wt.dev.demo.*.sensor.${deviceId}`), (ms) => ms.map((m) => JSON.parse(new TextDecoder().decode(m.data)).id as string))

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "90 seconds" })("receivers against the standardwebhooks library", (it) => {
  it.effect("a smoke detection the library signs with our key as a Standard Webhooks secret (whsec_ + base64) is stored once, retried or not, and the fire service is called", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const smoke = yield* sensorOf("smoke", 3)
      const vendor = new Webhook(`whsec_${Buffer.from(sys.webhookSecrets["demo-sensors"], "utf8").toString("base64")}`)
      const { eventId, body } = delivery("sensor.detection.smoke", smoke.serial)
      const headers = signed(vendor, body)
      const answer = yield* post(headers, body)
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ accepted: [`wh-demo-sensors-${eventId}`], rejected: [] })
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, smoke.resident_id, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ priority: "P1", category: "fire", fireService: true })
      // The vendor retries the very delivery (same webhook-id, timestamp, signature): answered 200, stored once.
      expect((yield* post(headers, body)).status).toBe(200)
      const ids = yield* storedEventIds(smoke.id)
      expect(ids.filter((id) => id === `wh-demo-sensors-${eventId}`)).toHaveLength(1)
    }))

  it.effect("the library's raw-key form is accepted too; a delivery it signs with a key the gateway does not hold is 401 and kept in WT_DLQ with its body", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const bed = yield* sensorOf("bed", 5)
      const raw = new Webhook(sys.webhookSecrets["demo-sensors"], { format: "raw" })
      const exit = delivery("sensor.detection.bed_exit", bed.serial)
      const accepted = yield* post(signed(raw, exit.body), exit.body)
      expect(accepted.status).toBe(200)
      expect(accepted.body.accepted).toEqual([`wh-demo-sensors-${exit.eventId}`])
      const stored = yield* eventually(
        Effect.map(storedEventIds(bed.id), (ids) => (ids.includes(`wh-demo-sensors-${exit.eventId}`) ? ids : undefined)),
        10_000
      )
      expect(stored).toContain(`wh-demo-sensors-${exit.eventId}`)

      const stranger = new Webhook(`whsec_${randomBytes(32).toString("base64")}`)
      const forged = delivery("sensor.detection.bed_exit", bed.serial)
      const refused = yield* post(signed(stranger, forged.body), forged.body)
      expect(refused.status).toBe(401)
      expect(refused.body).toEqual({ error: "bad_signature" })
      const kept = yield* eventually(
        Effect.map(letters, (ls) => ls.find((l) => Buffer.from(l.rawBase64, "base64").toString() === forged.body)),
        10_000
      )
      expect(kept.reason).toContain("bad_signature")
      expect(yield* storedEventIds(bed.id)).not.toContain(`wh-demo-sensors-${forged.eventId}`)
    }))
})
