import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, EventId, laneOfEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import { createHmac } from "node:crypto"
import demoDispenser from "../vendors/demo-dispenser.json" with { type: "json" }
import demoSensors from "../vendors/demo-sensors.json" with { type: "json" }
import { loadBundledVendorMappings } from "./bundled.ts"
import { webhookHttpAnswer } from "./http-answer.ts"
import { resolvePointer } from "./json-pointer.ts"
import { mapWebhook, webhookDeviceEvent, type MappedWebhook } from "./map-webhook.ts"
import { verifySignature } from "./signature.ts"
import { loadVendorMapping, type VendorMapping } from "./vendor-mapping.ts"

const enc = (text: string) => new TextEncoder().encode(text)
const now = Date.parse("2026-11-25T21:04:05.120Z")
const isDeviceEvent = Schema.is(DeviceEvent)
const isEventId = Schema.is(EventId)

const load = (json: unknown): VendorMapping => {
  const loaded = loadVendorMapping(json)
  if (Result.isFailure(loaded)) throw new Error(loaded.failure)
  return loaded.success.mapping
}
const dispenser = load(demoDispenser)
const sensors = load(demoSensors)
const mapped = (mapping: VendorMapping, body: unknown): MappedWebhook => {
  const result = mapWebhook(mapping, enc(JSON.stringify(body)))
  if (Result.isFailure(result)) throw new Error(result.failure.reason)
  return result.success
}
const device = { tenant: "demo", deviceId: "med-000007" }

describe("vendor mapping files", () => {
  it("loads both shipped mappings at start, each naming the public documentation it is modelled on", () => {
    const loaded = loadBundledVendorMappings()
    expect(Result.isSuccess(loaded)).toBe(true)
    if (Result.isSuccess(loaded)) expect([...loaded.success.keys()].sort()).toEqual(["demo-dispenser", "demo-sensors"])
    for (const mapping of [dispenser, sensors]) {
      expect(mapping.$comment).toMatch(/modelled on public documentation/u)
      expect(mapping.modelledOn.length).toBeGreaterThan(0)
    }
  })

  it("covers the dispenser kinds the brief asks for: taken, missed, late, jammed, refill, lid open", () => {
    const events = Object.values(dispenser.kinds).map((k) => k.payload["event"])
    expect(events).toEqual(expect.arrayContaining(["dose_taken", "dose_missed", "dose_late", "dispenser_jammed", "refill_needed", "lid_open"]))
  })

  it("covers the sensor kinds the brief asks for: bed left/returned, door, no activity, smoke, water, fall, low battery, offline", () => {
    const kinds = Object.values(sensors.kinds).map((k) => `${k.type}:${String(k.payload["sensor"] ?? k.payload["trigger"] ?? k.payload["event"])}:${String(k.payload["state"] ?? "")}`)
    expect(kinds).toEqual(
      expect.arrayContaining([
        "sensor:bed:left_bed",
        "sensor:bed:returned_to_bed",
        "sensor:door:opened",
        "sensor:motion:no_activity",
        "sensor:smoke:triggered",
        "sensor:water:triggered",
        "safety_alarm:fall_detector:",
        "technical:low_battery:",
        "technical:sensor_supervision_lost:"
      ])
    )
  })

  const broken = (change: (m: Record<string, any>) => void) => {
    const copy = structuredClone(demoDispenser) as Record<string, any>
    change(copy)
    return loadVendorMapping(copy)
  }
  it.each([
    ["a kind with an event the contract does not know", (m: Record<string, any>) => (m.kinds.medicine_taken.payload.event = "dose_forgotten"), "dose_forgotten"],
    ["a sensor kind without a state", (m: Record<string, any>) => (m.kinds.lid_open = { type: "sensor", payload: { sensor: "door" } }), "payload.state"],
    ["an unknown canonical type", (m: Record<string, any>) => (m.kinds.lid_open.type = "camera"), `["lid_open"]["type"]`],
    ["a field path that is not a JSON pointer", (m: Record<string, any>) => (m.fields.deviceId = "device_serial"), "JSON pointer"],
    ["a replay tolerance past the 2-minute de-duplication window", (m: Record<string, any>) => (m.signature.timestamp.toleranceSeconds = 300), "120"],
    ["a signature that does not cover the body", (m: Record<string, any>) => (m.signature.signedContent = ["timestamp"]), "body"],
    ["an algorithm other than HMAC-SHA256", (m: Record<string, any>) => (m.signature.algorithm = "md5"), "hmac-sha256"],
    ["a misspelt key", (m: Record<string, any>) => (m.fields.evnetId = "/x"), "evnetId"],
    ["no kinds", (m: Record<string, any>) => (m.kinds = {}), "at least one kind"],
    ["a bad vendor name", (m: Record<string, any>) => (m.vendor = "Demo Dispenser"), "a-z"]
  ])("refuses %s at start with a clear message", (_, change, words) => {
    const result = broken(change)
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) {
      expect(result.failure).toMatch(/^vendor mapping "[^"]+" refused: /u)
      expect(result.failure).toContain(words)
    }
  })

  it("refuses a mapping file that is not JSON, and a second mapping for the same vendor", () => {
    expect(Result.isFailure(loadVendorMapping("{ vendor: "))).toBe(true)
    const twice = loadBundledVendorMappings([demoDispenser, demoDispenser])
    expect(Result.isFailure(twice) && twice.failure.join()).toContain("mapped twice")
  })

  it("warns about a mapping without a signed timestamp", () => {
    const copy = structuredClone(demoDispenser) as Record<string, any>
    copy["signature"] = { algorithm: "hmac-sha256", header: "x-signature", encoding: "hex", signedContent: ["body"] }
    const loaded = loadVendorMapping(copy)
    expect(Result.isSuccess(loaded) && loaded.success.warnings.join()).toContain("replayed")
  })
})

describe("webhook signatures", () => {
  const secret = "demo-only-secret-not-for-production"
  const body = enc(JSON.stringify({ datapoints: [] }))
  const signed = (ts: number, content = body, key = secret) => ({
    "x-timestamp": String(ts),
    "x-signature": createHmac("sha256", key).update(`${ts}.`).update(content).digest("hex")
  })

  it("accepts a body signed with the vendor's secret over '<timestamp>.<body>'", () => {
    expect(Result.isSuccess(verifySignature(dispenser, body, signed(now), secret, now))).toBe(true)
  })

  it.each([
    ["a wrong secret", () => signed(now, body, "another-secret"), "bad_signature"],
    ["a body changed after signing", () => signed(now, enc("{\"datapoints\":[1]}")), "bad_signature"],
    ["no signature header", () => ({ "x-timestamp": String(now) }), "missing_signature"],
    ["no timestamp header", () => ({ "x-signature": "00" }), "missing_timestamp"],
    ["a replay of a request signed 3 minutes ago", () => signed(now - 180_000), "stale_timestamp"],
    ["a timestamp 3 minutes in the future", () => signed(now + 180_000), "stale_timestamp"],
    ["a signature that is not hex", () => ({ ...signed(now), "x-signature": "not-hex!" }), "bad_signature"],
    ["a truncated signature", () => ({ ...signed(now), "x-signature": signed(now)["x-signature"].slice(0, 40) }), "bad_signature"]
  ])("refuses %s", (_, headers, kind) => {
    const result = verifySignature(dispenser, body, headers(), secret, now)
    expect(Result.isFailure(result) && result.failure.kind).toBe(kind)
  })

  it("accepts a Standard Webhooks signature among several (key rotation), with its v1, prefix", () => {
    const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    const ts = String(Math.floor(now / 1000))
    const sig = (key: string) => `v1,${createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest("base64")}`
    const headers = { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": `${sig("old-key")} ${sig("new-key")}` }
    expect(Result.isSuccess(verifySignature(sensors, body, headers, "new-key", now))).toBe(true)
    expect(Result.isFailure(verifySignature(sensors, body, { ...headers, "webhook-id": "msg_other" }, "new-key", now))).toBe(true)
    expect(Result.isFailure(verifySignature(sensors, body, { ...headers, "webhook-signature": sig("new-key").slice(3) }, "new-key", now))).toBe(true)
  })
})

describe("mapping a vendor body to canonical events", () => {
  const dose = { id: "d-0815", scheduled_at: "2026-11-25T08:00:00.000Z", critical: true }

  it("maps several events of one body, each with its own vendor id and the mapping's version", () => {
    const result = mapped(dispenser, {
      datapoints: [
        { transaction_id: "2987634", measurement: "medicine_not_taken", device_serial: "DSP-7", at: "2026-11-25T08:45:00.000Z", dose },
        { transaction_id: "2987635", measurement: "battery_low", device_serial: "DSP-7", at: "2026-11-25T08:46:00Z", battery: 9 }
      ]
    })
    expect(result.refused).toEqual([])
    const events = result.items.map((item) => {
      const built = webhookDeviceEvent(item, device)
      if (Result.isFailure(built)) throw new Error(built.failure.reason)
      return built.success
    })
    for (const event of events) expect(isDeviceEvent(event)).toBe(true)
    expect(events[0]).toMatchObject({
      id: "wh-demo-dispenser-2987634",
      occurredAt: "2026-11-25T08:45:00.000Z",
      source: { via: "webhook", vendor: "demo-dispenser" },
      type: "medication",
      payload: { event: "dose_missed", doseId: "d-0815", scheduledAt: "2026-11-25T08:00:00.000Z", critical: true, vendorKind: "medicine_not_taken", vendorMapping: "demo-dispenser@2026.12.1" }
    })
    expect(laneOfEvent(events[0]!)).toBe("alarm")
    expect(events[1]).toMatchObject({ type: "technical", payload: { event: "low_battery", batteryPct: 9 } })
    expect(result.items.map((i) => i.vendorDeviceId)).toEqual(["DSP-7", "DSP-7"])
  })

  it("refuses one event with a reason and keeps its neighbours", () => {
    const result = mapped(dispenser, {
      datapoints: [
        { transaction_id: "1", measurement: "medicine_exploded", device_serial: "DSP-7", at: "2026-11-25T08:45:00Z" },
        { transaction_id: "2", measurement: "medicine_taken", at: "2026-11-25T08:45:00Z" },
        { transaction_id: "3", measurement: "medicine_taken", device_serial: "DSP-7", at: "yesterday" },
        "not an object",
        { transaction_id: "5", measurement: "lid_open", device_serial: "DSP-7", at: "2026-11-25T08:47:00Z" }
      ]
    })
    expect(result.items.map((i) => i.index)).toEqual([4])
    expect(result.refused.map((r) => [r.index, r.kind])).toEqual([
      [0, "unknown_kind"],
      [1, "missing_device_id"],
      [2, "invalid_time"],
      [3, "not_an_object"]
    ])
    for (const r of result.refused) expect(r.raw.length).toBeGreaterThan(0)
  })

  it("refuses a copied value the contract does not allow when the event is built", () => {
    const [item] = mapped(dispenser, { datapoints: [{ transaction_id: "9", measurement: "battery_low", device_serial: "DSP-7", at: "2026-11-25T08:45:00Z", battery: 140 }] }).items
    const built = webhookDeviceEvent(item!, device)
    expect(Result.isFailure(built) && built.failure.kind).toBe("invalid_event")
  })

  it.each([
    ["not JSON", "{datapoints", "malformed"],
    ["no events at the mapping's pointer", "{\"items\": []}", "no_events"],
    ["an empty list", "{\"datapoints\": []}", "no_events"],
    ["more than 1000 events", JSON.stringify({ datapoints: Array.from({ length: 1001 }, () => ({})) }), "too_many_events"]
  ])("refuses a whole body that is %s", (_, body, kind) => {
    const result = mapWebhook(dispenser, enc(body))
    expect(Result.isFailure(result) && result.failure.kind).toBe(kind)
  })

  it("maps a sensor platform's fall to a care alarm and its water leak to the sensor, with the room", () => {
    const result = mapped(sensors, {
      type: "batch",
      events: [
        { id: "evt_1", type: "sensor.detection.fall", sensor: { sn: "SNS-321" }, happened_at: "2026-11-25T02:14:09.000Z", room: "bathroom" },
        { id: "evt_2", type: "sensor.detection.water_leak", sensor: { sn: "SNS-322" }, happened_at: "2026-11-25T02:15:00.000Z", room: "kitchen" },
        { id: "evt_3", type: "sensor.health.offline", sensor: { sn: "SNS-323" }, happened_at: "2026-11-25T02:16:00.000Z" }
      ]
    })
    expect(result.items.map((i) => [i.vendorDeviceId, i.draft.type, i.draft.payload])).toEqual([
      ["SNS-321", "safety_alarm", expect.objectContaining({ trigger: "fall_detector", placement: "bathroom" })],
      ["SNS-322", "sensor", expect.objectContaining({ sensor: "water", state: "triggered", placement: "kitchen" })],
      ["SNS-323", "technical", expect.objectContaining({ event: "sensor_supervision_lost" })]
    ])
  })

  it("gives a retried delivery the same event ids, from the vendor's id or a digest of the event", () => {
    const body = { datapoints: [{ transaction_id: "77", measurement: "lid_open", device_serial: "DSP-7", at: "2026-11-25T08:47:00Z" }] }
    expect(mapped(dispenser, body).items[0]?.draft.id).toBe(mapped(dispenser, structuredClone(body)).items[0]?.draft.id)
    const { fields: { eventId: _, ...fields }, ...rest } = dispenser
    const noIds = { ...rest, fields }
    const a = mapped(noIds, body).items[0]?.draft.id
    expect(a).toBe(mapped(noIds, body).items[0]?.draft.id)
    expect(a).not.toBe(mapped(noIds, { datapoints: [{ ...body.datapoints[0], at: "2026-11-25T08:48:00Z" }] }).items[0]?.draft.id)
    for (const vendorId of ["a", "has spaces and / slashes", "x".repeat(200), 12]) {
      const item = mapped(dispenser, { datapoints: [{ ...body.datapoints[0], transaction_id: vendorId }] }).items[0]
      expect(isEventId(item?.draft.id)).toBe(true)
    }
  })
})

describe("JSON pointers and answers", () => {
  it("resolves RFC 6901 pointers, escapes included, and only own properties", () => {
    const doc = { "a/b": { "m~n": [10, 20] }, list: [{ x: 1 }] }
    expect(resolvePointer(doc, "")).toBe(doc)
    expect(resolvePointer(doc, "/a~1b/m~0n/1")).toBe(20)
    expect(resolvePointer(doc, "/list/0/x")).toBe(1)
    expect(resolvePointer(doc, "/list/01")).toBeUndefined()
    expect(resolvePointer(doc, "/constructor")).toBeUndefined()
    expect(resolvePointer(doc, "/list/0/x/y")).toBeUndefined()
  })

  it("answers 200 when all is stored, 202 when some events were refused, 400 when none was, 401 on a bad signature, 503 when the store is down", () => {
    const refusal = { index: 1, kind: "unknown_kind" as const, reason: "x", raw: "{}" }
    expect(webhookHttpAnswer({ kind: "stored", accepted: ["a"], rejected: [] }).status).toBe(200)
    expect(webhookHttpAnswer({ kind: "stored", accepted: ["a"], rejected: [refusal] })).toMatchObject({ status: 202, body: { rejected: [{ index: 1 }] } })
    expect(webhookHttpAnswer({ kind: "stored", accepted: [], rejected: [refusal] }).status).toBe(400)
    expect(webhookHttpAnswer({ kind: "unauthenticated", refusal: { kind: "bad_signature", reason: "x" } }).status).toBe(401)
    expect(webhookHttpAnswer({ kind: "refused", refusal: { kind: "too_large", reason: "x" } }).status).toBe(413)
    expect(webhookHttpAnswer({ kind: "unknown_vendor" }).status).toBe(404)
    expect(webhookHttpAnswer({ kind: "store_unavailable" }).status).toBe(503)
  })
})
