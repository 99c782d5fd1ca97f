import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import {
  dispenserDelivery,
  sensorDelivery,
  type DispenserEvent,
  type SensorPlatformEvent,
  type WebhookRequest
} from "../../../simulators/devices/src/protocols/webhook-sender.ts"
import demoDispenser from "../vendors/demo-dispenser.json" with { type: "json" }
import demoSensors from "../vendors/demo-sensors.json" with { type: "json" }
import { fuzzBundledWebhooks, fuzzWebhook } from "./fuzz.ts"
import { mapWebhook, webhookDeviceEvent } from "./map-webhook.ts"
import { verifySignature } from "./signature.ts"
import { loadVendorMapping, type VendorMapping } from "./vendor-mapping.ts"

/** fast-check properties through vitest (the root fast-check, not @effect/vitest's Schema-first `it.prop`). */
const prop = <T extends Array<unknown>>(name: string, arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, body: (args: T) => void, numRuns = 200) =>
  it(name, () => {
    fc.assert(fc.property(...(arbs as unknown as [fc.Arbitrary<unknown>]), (...args: Array<unknown>) => body(args as T)), { numRuns })
  })

const load = (json: unknown): VendorMapping => {
  const loaded = loadVendorMapping(json)
  if (Result.isFailure(loaded)) throw new Error(loaded.failure)
  return loaded.success.mapping
}
const dispenser = load(demoDispenser)
const sensors = load(demoSensors)
const enc = (text: string) => new TextEncoder().encode(text)
const now = Date.parse("2026-11-25T21:04:05.120Z")
const isDeviceEvent = Schema.is(DeviceEvent)
const secret = "demo-only-webhook-secret"

const Serial = fc.stringMatching(/^[A-Z]{3}-[0-9]{1,6}$/)
const When = fc.integer({ min: Date.UTC(2020, 0, 1), max: now })
const DispenserArb: fc.Arbitrary<DispenserEvent> = fc.record(
  {
    transactionId: fc.stringMatching(/^[0-9]{1,12}$/),
    serial: Serial,
    measurement: fc.constantFrom(
      "medicine_taken",
      "medicine_not_taken",
      "medicine_taken_late",
      "client_about_to_miss_medication",
      "dispenser_jammed",
      "refill_needed",
      "lid_open",
      "battery_low",
      "device_connection_error",
      "heartbeat",
      "help_button"
    ),
    atMs: When,
    dose: fc.record({ id: fc.stringMatching(/^d-[0-9]{1,6}$/), scheduledAtMs: When, critical: fc.boolean() }, { requiredKeys: ["id", "scheduledAtMs"] }),
    battery: fc.integer({ min: 0, max: 100 })
  },
  { requiredKeys: ["transactionId", "serial", "measurement", "atMs"] }
)
const SensorArb: fc.Arbitrary<SensorPlatformEvent> = fc.record(
  {
    id: fc.stringMatching(/^evt_[A-Za-z0-9]{4,24}$/),
    sensorSerial: Serial,
    type: fc.constantFrom(
      "sensor.detection.bed_exit",
      "sensor.detection.bed_return",
      "sensor.detection.door_open",
      "sensor.detection.door_close",
      "sensor.detection.motionless",
      "sensor.detection.smoke",
      "sensor.detection.water_leak",
      "sensor.detection.fall",
      "sensor.health.low_battery",
      "sensor.health.offline"
    ),
    happenedAtMs: When,
    room: fc.constantFrom("bedroom", "kitchen", "bathroom", "hallway"),
    battery: fc.integer({ min: 0, max: 100 })
  },
  { requiredKeys: ["id", "sensorSerial", "type", "happenedAtMs"] }
)

/** Either vendor's delivery of 1-20 events, sent at `now`. */
const Delivery: fc.Arbitrary<{ readonly mapping: VendorMapping; readonly request: WebhookRequest; readonly count: number }> = fc.oneof(
  fc.array(DispenserArb, { minLength: 1, maxLength: 20 }).map((events) => ({ mapping: dispenser, request: dispenserDelivery(events, secret, now), count: events.length })),
  fc.array(SensorArb, { minLength: 1, maxLength: 20 }).map((events) => ({ mapping: sensors, request: sensorDelivery(events, ["old-" + secret, secret], now), count: events.length }))
)

describe("webhook codec properties", () => {
  prop("every event of a signed delivery from the simulated vendor becomes a valid canonical event", [Delivery], ([{ mapping, request, count }]) => {
    const body = enc(request.body)
    expect(Result.isSuccess(verifySignature(mapping, body, request.headers, secret, now))).toBe(true)
    const mapped = mapWebhook(mapping, body)
    if (Result.isFailure(mapped)) throw new Error(mapped.failure.reason)
    expect(mapped.success.refused).toEqual([])
    expect(mapped.success.items).toHaveLength(count)
    for (const item of mapped.success.items) {
      const event = webhookDeviceEvent(item, { tenant: "demo", deviceId: "dev-1" })
      if (Result.isFailure(event)) throw new Error(event.failure.reason)
      expect(isDeviceEvent(event.success)).toBe(true)
      expect(event.success.source).toMatchObject({ via: "webhook", vendor: mapping.vendor })
    }
  })

  prop("a delivery verified with any other secret is refused", [Delivery, fc.string({ minLength: 1, maxLength: 40 })], ([{ mapping, request }, other]) => {
    fc.pre(other !== secret && other !== "old-" + secret)
    const result = verifySignature(mapping, enc(request.body), request.headers, other, now)
    expect(Result.isFailure(result) && result.failure.kind).toBe("bad_signature")
  })

  prop("any single byte changed in a signed body is refused", [Delivery, fc.nat(), fc.integer({ min: 1, max: 255 })], ([{ mapping, request }, at, flip]) => {
    const body = enc(request.body)
    body[at % body.length]! ^= flip
    expect(Result.isFailure(verifySignature(mapping, body, request.headers, secret, now))).toBe(true)
  })

  prop("a delivery replayed more than two minutes later is refused as stale", [Delivery, fc.integer({ min: 121_000, max: 30 * 24 * 3_600_000 })], ([{ mapping, request }, later]) => {
    const result = verifySignature(mapping, enc(request.body), request.headers, secret, now + later)
    expect(Result.isFailure(result) && result.failure.kind).toBe("stale_timestamp")
  })

  prop("a delivery retried by the vendor maps to the same event ids", [Delivery], ([{ mapping, request }]) => {
    const ids = () => {
      const mapped = mapWebhook(mapping, enc(request.body))
      return Result.isSuccess(mapped) ? mapped.success.items.map((i) => i.draft.id) : []
    }
    expect(ids()).toEqual(ids())
  })

  it("arbitrary bytes never throw: 10,000 inputs per vendor each end in events or a refusal", () => {
    for (const mapping of [dispenser, sensors]) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
          expect(fuzzWebhook(mapping, bytes)).toMatch(/^(events:\d+\/refused:\d+|refused:[a-z_]+)$/u)
        }),
        { numRuns: 10_000 }
      )
    }
  })

  it("the benchmark's entry runs every shipped mapping", () => {
    const body = enc(JSON.stringify({ datapoints: [{ transaction_id: "1", measurement: "lid_open", device_serial: "DSP-1", at: "2026-11-25T08:47:00Z" }] }))
    expect(fuzzBundledWebhooks(body)).toBe("events:1/refused:0 refused:no_events")
  })

  it("arbitrary JSON never throws either (10,000 values per vendor)", () => {
    for (const mapping of [dispenser, sensors]) {
      fc.assert(
        fc.property(fc.json({ maxDepth: 6 }), (json) => {
          expect(fuzzWebhook(mapping, enc(json))).toMatch(/^(events|refused):/u)
        }),
        { numRuns: 10_000 }
      )
    }
  })

  prop("every truncation of a delivery is refused, never thrown", [Delivery], ([{ mapping, request }]) => {
    const body = enc(request.body)
    for (let cut = 0; cut < body.length; cut += 11) {
      const mapped = mapWebhook(mapping, body.subarray(0, cut))
      expect(Result.isFailure(mapped) && mapped.failure.kind).toBe("malformed")
    }
  }, 50)

  it("refuses an oversized body whole", () => {
    const mapped = mapWebhook(dispenser, new Uint8Array(65_537).fill(32))
    expect(Result.isFailure(mapped) && mapped.failure.kind).toBe("too_large")
  })
})
