import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { Exit, Schema } from "effect"
import { DeviceEvent, DeviceEventTypes, laneOf, laneOfEvent, SenderDecodeOptions, SenderDeviceEvent, Subjects } from "./index.ts"
import { jsonSchemaOf, publishedSchemas, renderJsonSchema } from "./json-schema.ts"

const decode = Schema.decodeUnknownExit(DeviceEvent)
const base = { id: "018f3a2b-7c4d-7e8f-9a0b-1c2d3e4f5a6b", tenant: "demo", deviceId: "alarm-000123", occurredAt: "2026-11-25T21:04:05.120Z", source: { via: "http" } }

describe("canonical device event", () => {
  it.each([
    ["safety_alarm", { trigger: "pendant" }],
    ["sensor", { sensor: "bed", state: "left_bed" }],
    ["gps", { lat: 63.43, lon: 10.39, accuracyM: 12, sos: false }],
    ["medication", { event: "dose_missed", doseId: "d-1", scheduledAt: "2026-11-25T08:00:00Z" }],
    ["technical", { event: "heartbeat" }]
  ])("accepts a %s event", (type, payload) => {
    expect(Exit.isSuccess(decode({ ...base, type, payload }))).toBe(true)
  })

  it("names the field that is wrong", () => {
    const exit = decode({ ...base, type: "sensor", payload: { sensor: "bed" } })
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain(`["payload"]["state"]`)
  })

  it("refuses device ids that would break a NATS subject", () => {
    expect(Exit.isFailure(decode({ ...base, deviceId: "a.b", type: "technical", payload: { event: "heartbeat" } }))).toBe(true)
    expect(Exit.isFailure(decode({ ...base, deviceId: "a*", type: "technical", payload: { event: "heartbeat" } }))).toBe(true)
  })

  it("puts care alarms on the alarm lane and heartbeats and positions elsewhere", () => {
    expect(DeviceEventTypes.map(laneOf)).toEqual(["alarm", "alarm", "telemetry", "alarm", "tech"])
    expect(Subjects.device("demo", "alarm", "safety_alarm", "alarm-1")).toBe("wt.dev.demo.alarm.safety_alarm.alarm-1")
  })

  it("puts a GPS tracker's SOS on the alarm lane, and its plain positions on telemetry", () => {
    const gps = (payload: object) =>
      Schema.decodeUnknownSync(DeviceEvent)({ ...base, deviceId: "gps-1", type: "gps", payload })
    expect(laneOfEvent(gps({ lat: 59.9, lon: 10.7, sos: true }))).toBe("alarm")
    expect(laneOfEvent(gps({ lat: 59.9, lon: 10.7, sos: false }))).toBe("telemetry")
    expect(laneOfEvent(gps({ lat: 59.9, lon: 10.7 }))).toBe("telemetry")
  })
})

describe("published JSON Schema", () => {
  it.each(Object.keys(publishedSchemas) as Array<keyof typeof publishedSchemas>)(
    "%s is current (regenerate with `pnpm --filter @wt/contracts json-schema`)",
    (name) => {
      const committed = readFileSync(new URL(`../json-schema/${name}`, import.meta.url), "utf8")
      expect(committed).toBe(renderJsonSchema(name))
    }
  )
})

describe("numbers on the wire", () => {
  // Effect's Schema.Number admits NaN and ±Infinity and its JSON form spells them as strings, so its
  // JSON Schema allowed "NaN" where a latitude goes; every number of the contracts is Schema.Finite.
  it.each(Object.keys(publishedSchemas) as Array<keyof typeof publishedSchemas>)("%s admits numbers only as JSON numbers", (name) => {
    expect(JSON.stringify(jsonSchemaOf(name))).not.toMatch(/"(NaN|Infinity|-Infinity)"/u)
  })

  it("refuses the non-finite spellings where a number goes", () => {
    const gps = (lat: unknown) => ({ ...base, type: "gps", payload: { lat, lon: 10.7 } })
    for (const lat of ["NaN", "Infinity", "-Infinity", Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(Exit.isFailure(decode(gps(lat)))).toBe(true)
      expect(Exit.isFailure(Schema.decodeUnknownExit(Schema.toCodecJson(DeviceEvent))(gps(lat)))).toBe(true)
    }
  })
})

describe("sender-facing device event", () => {
  const decodeSent = Schema.decodeUnknownExit(SenderDeviceEvent, SenderDecodeOptions)

  it("is what senders may send: no engine events, no unknown envelope properties, payload fields kept", () => {
    const alarm = { ...base, type: "safety_alarm", payload: { trigger: "pendant", siaCode: "MA" } }
    const kept = decodeSent(alarm)
    expect(Exit.isSuccess(kept) && kept.value.payload).toEqual({ trigger: "pendant", siaCode: "MA" })
    expect(Exit.isFailure(decodeSent({ ...alarm, source: { via: "engine" } }))).toBe(true)
    expect(Exit.isFailure(decodeSent({ ...alarm, occuredAt: alarm.occurredAt }))).toBe(true)
    expect(Exit.isFailure(decodeSent({ ...alarm, payload: { trigger: "pendant", nested: { a: 1 } } }))).toBe(true)
    // The stored form still carries the engine's own events.
    expect(Exit.isSuccess(decode({ ...alarm, source: { via: "engine" } }))).toBe(true)
  })
})
