import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, EventId, laneOfEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import { osmandDeviceEvents, osmandEventId } from "./device-events.ts"
import { osmandHttpAnswer } from "./http-answer.ts"
import { KnotsPerMps, parseOsmAndRequest, parseTimestamp, type OsmAndReport } from "./report.ts"

const enc = (text: string) => new TextEncoder().encode(text)
const now = Date.parse("2026-11-25T21:04:05.120Z")
const device = { tenant: "demo", deviceId: "gps-000042" }
const isDeviceEvent = Schema.is(DeviceEvent)
const isEventId = Schema.is(EventId)

const query = (url: string, body = "") => parseOsmAndRequest({ url, body: enc(body) }, now)
const json = (body: string) => parseOsmAndRequest({ url: "/", contentType: "application/json; charset=utf-8", body: enc(body) }, now)
const ok = (result: ReturnType<typeof query>): OsmAndReport => {
  if (Result.isFailure(result)) throw new Error(`refused: ${result.failure.reason}`)
  return result.success
}
const eventsOf = (report: OsmAndReport) => {
  const events = osmandDeviceEvents(report, device, now, "raw")
  if (Result.isFailure(events)) throw new Error(events.failure.reason)
  for (const e of events.success) expect(isDeviceEvent(e)).toBe(true)
  return events.success
}

// The same requests Traccar's own decoder test reads (OsmAndProtocolDecoderTest), with times moved into a plausible window where needed.
describe("OsmAnd query-string form (Traccar's test requests)", () => {
  it.each([
    ["/?id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z&hdop=6.0&altitude=224.0&speed=0.0", { deviceId: "902064", position: { lat: 42.06288, lon: -88.23412 }, timestampMs: Date.parse("2016-01-27T18:55:47Z"), hdop: 6, altitude: 224, speedMps: 0 }],
    ["/?id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579&hdop=6.0&altitude=224.0&speed=0.0", { timestampMs: 1442068686579 }],
    ["/?lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7&speed=0.0&id=353861053849681", { deviceId: "353861053849681", timestampMs: Date.parse("2014-06-04T09:10:11Z") }],
    ["/?id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=0.0&bearing=0.0&altitude=0&hdop=0.0", { timestampMs: 1377177267000, position: { lat: 60, lon: 30 }, bearing: 0 }],
    ["/?lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0&deviceid=123456", { deviceId: "123456", bearing: 0 }],
    ["/?id=861001000719969&lat=41.666667&lon=-0.883333&altitude=350.059479&speed=0.000000&batt=87", { batteryPct: 87 }],
    ["/?id=123456&timestamp=1377177267&location=60.0,30.0", { position: { lat: 60, lon: 30 } }],
    ["/?id=123456789012345&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571&bearing=7.19889788244&speed=40&ignition=true&rpm=933&fuel=24", { speedMps: 40 / KnotsPerMps }]
  ])("reads %s", (url, expected) => {
    expect(ok(query(url))).toMatchObject(expected)
  })

  it("reads the parameters from a form body when the URL has none, as Traccar does", () => {
    expect(ok(query("/", "id=7&lat=59.9&lon=10.7&timestamp=1764104645"))).toMatchObject({ deviceId: "7", position: { lat: 59.9, lon: 10.7 } })
  })

  it("converts speed from knots (the Traccar Client sends m/s × 1.943844) to m/s", () => {
    const report = ok(query(`/?id=1&lat=1&lon=1&speed=${10 * 1.943844}`))
    expect(report.speedMps).toBeCloseTo(10, 9)
  })

  it.each([
    ["no device id", "/?timestamp=1377177267&lat=60.0&lon=30.0", "missing_device_id"],
    ["a latitude past 90", "/?id=1&lat=91&lon=10", "invalid_position"],
    ["a longitude past 180", "/?id=1&lat=59&lon=-180.5", "invalid_position"],
    ["NaN", "/?id=1&lat=NaN&lon=10", "invalid_position"],
    ["Infinity", "/?id=1&lat=59&lon=Infinity", "invalid_position"],
    ["a latitude without a longitude", "/?id=1&lat=59", "invalid_position"],
    ["a time in the future", "/?id=1&lat=59&lon=10&timestamp=2099-01-01T00:00:00Z", "invalid_time"],
    ["a time before 2000", "/?id=1&lat=59&lon=10&timestamp=86400", "invalid_time"],
    ["an unreadable time", "/?id=1&lat=59&lon=10&timestamp=yesterday", "invalid_time"],
    ["two different latitudes", "/?id=1&lat=59&lat=60&lon=10", "conflicting_field"],
    ["a broken %-escape", "/?id=1&lat=%zz", "malformed"],
    ["a device id with a space", "/?id=a%20b&lat=1&lon=1", "invalid_device_id"]
  ])("refuses %s with a reason", (_, url, kind) => {
    const result = query(url)
    expect(Result.isFailure(result) && result.failure.kind).toBe(kind)
    if (Result.isFailure(result)) expect(result.failure.reason.length).toBeGreaterThan(0)
  })

  it("drops an unusable optional value with a warning instead of losing the position", () => {
    const report = ok(query("/?id=1&lat=59.9&lon=10.7&altitude=high&batt=4.1V"))
    expect(report.position).toEqual({ lat: 59.9, lon: 10.7 })
    expect(report.altitude).toBeUndefined()
    expect(report.warnings.length).toBe(2)
  })

  it("keeps a position the device marks as no fresh fix (valid=false), flagged", () => {
    const [event] = eventsOf(ok(query("/?id=1&lat=59.9&lon=10.7&timestamp=1764104600&valid=false")))
    expect(event).toMatchObject({ type: "gps", payload: { validFix: false } })
  })

  it("reads Unix seconds below 2^31 and milliseconds above, like Traccar", () => {
    expect(parseTimestamp("2147483646")).toBe(2147483646000)
    expect(parseTimestamp("2147483647")).toBe(2147483647)
  })
})

describe("OsmAnd JSON form (Traccar's test bodies)", () => {
  it("reads the newer Traccar Client's location with m/s speed and a 0-1 battery", () => {
    const report = ok(json(`{"location":{"event":"motionchange","is_moving":false,"uuid":"0e9a2473-a9a7-4c00-997b-fb97d2154e75","timestamp":"2021-07-21T08:06:34.444Z","odometer":0,"coords":{"latitude":-6.1148096,"longitude":106.6837015,"accuracy":3.8,"speed":18.67,"speed_accuracy":0.26,"heading":63,"heading_accuracy":0.28,"altitude":35.7,"altitude_accuracy":3.8},"activity":{"type":"still","confidence":100},"battery":{"is_charging":false,"level":0.79},"extras":{}},"device_id":"8737767034"}`))
    expect(report).toMatchObject({ form: "json", deviceId: "8737767034", position: { lat: -6.1148096, lon: 106.6837015 }, speedMps: 18.67, bearing: 63, accuracyM: 3.8, batteryPct: 79, moving: false, uuid: "0e9a2473-a9a7-4c00-997b-fb97d2154e75", timestampMs: Date.parse("2021-07-21T08:06:34.444Z") })
  })

  it("reads -1 as unknown for speed, heading and battery", () => {
    const report = ok(json(`{"location":{"extras":{},"mock":true,"coords":{"speed_accuracy":-1,"speed":-1,"longitude":-122.406417,"ellipsoidal_altitude":0,"floor":null,"heading_accuracy":-1,"latitude":37.785834000000001,"accuracy":5,"altitude_accuracy":-1,"altitude":0,"heading":-1},"is_moving":false,"age":188,"odometer":0,"uuid":"2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8","event":"motionchange","battery":{"level":-1,"is_charging":false},"activity":{"type":"unknown","confidence":100},"timestamp":"2025-05-09T04:11:30.579Z"},"device_id":"658765"}`))
    expect(report.speedMps).toBeUndefined()
    expect(report.bearing).toBeUndefined()
    expect(report.batteryPct).toBeUndefined()
    expect(report.mock).toBe(true)
  })

  it.each([
    ["not JSON", "{location:", "malformed"],
    ["an array", "[]", "malformed"],
    ["no device_id", `{"location":{"timestamp":"2025-06-15T13:45:12.862Z"}}`, "missing_device_id"],
    ["no location", `{"device_id":"1"}`, "malformed"],
    ["a string latitude", `{"device_id":"1","location":{"coords":{"latitude":"59","longitude":10}}}`, "invalid_position"],
    ["a latitude of 100", `{"device_id":"1","location":{"coords":{"latitude":100,"longitude":10}}}`, "invalid_position"]
  ])("refuses %s", (_, body, kind) => {
    const result = json(body)
    expect(Result.isFailure(result) && result.failure.kind).toBe(kind)
  })

  it("survives a deeply nested body", () => {
    const result = json(`{"device_id":"1","location":${"[".repeat(8000)}${"]".repeat(8000)}}`)
    expect(Result.isFailure(result) && result.failure.kind).toBe("malformed")
  })
})

describe("OsmAnd canonical events", () => {
  it("turns a position into a gps event on the telemetry lane", () => {
    const [event, ...rest] = eventsOf(ok(query("/?id=1&lat=59.9127&lon=10.7461&timestamp=1764104600&accuracy=12&speed=3.887688&batt=64")))
    expect(rest).toEqual([])
    expect(event).toMatchObject({ type: "gps", occurredAt: "2025-11-25T21:03:20.000Z", source: { via: "osmand", raw: "raw" }, payload: { lat: 59.9127, lon: 10.7461, accuracyM: 12, speedMps: 2, batteryPct: 64 } })
    expect(laneOfEvent(event!)).toBe("telemetry")
  })

  it.each(["sos", "SOS", "fallDown", "general"])("turns alarm=%s into sos: true on the alarm lane", (alarm) => {
    const [event] = eventsOf(ok(query(`/?id=1&lat=59.9&lon=10.7&timestamp=1764104600&alarm=${alarm}`)))
    expect(event).toMatchObject({ type: "gps", payload: { sos: true, alarm } })
    expect(laneOfEvent(event!)).toBe("alarm")
  })

  it("never hides an SOS behind another alarm named in the same report", () => {
    expect(ok(query("/?id=1&lat=59.9&lon=10.7&alarm=sos&alarm=lowBattery")).alarm).toBe("sos")
    expect(ok(query("/?id=1&lat=59.9&lon=10.7&alarm=lowBattery&alarm=sos")).alarm).toBe("sos")
    expect(ok(json(`{"device_id":"1","location":{"alarm":"lowBattery","extras":{"alarm":"sos"},"coords":{"latitude":59.9,"longitude":10.7}}}`)).alarm).toBe("sos")
  })

  it("keeps an SOS without a fix as a care alarm", () => {
    const [event] = eventsOf(ok(query("/?id=1&timestamp=1764104600&alarm=sos")))
    expect(event).toMatchObject({ type: "safety_alarm", payload: { trigger: "button" } })
  })

  it("adds a technical event for a tracker fault beside the position", () => {
    const events = eventsOf(ok(query("/?id=1&lat=59.9&lon=10.7&timestamp=1764104600&alarm=lowBattery&batt=7")))
    expect(events.map((e) => e.type)).toEqual(["gps", "technical"])
    expect(events[1]).toMatchObject({ payload: { event: "low_battery", batteryPct: 7 } })
    expect(new Set(events.map((e) => e.id)).size).toBe(2)
  })

  it("reads a report without a position or alarm as a sign of life", () => {
    expect(eventsOf(ok(query("/?id=1&timestamp=1764104600&batt=50")))).toMatchObject([{ type: "technical", payload: { event: "heartbeat", batteryPct: 50 } }])
    expect(eventsOf(ok(query("/?id=1&lat=0&lon=0&timestamp=1764104600")))).toMatchObject([{ type: "technical" }])
  })

  it("gives a resent report the same id, and a moved or later one a new id", () => {
    const id = (url: string) => osmandEventId(ok(query(url)), now)
    const a = id("/?id=77&lat=59.9&lon=10.7&timestamp=1764104600&batt=50")
    expect(id("/?batt=49&timestamp=1764104600&lon=10.7&lat=59.9&id=77")).toBe(a)
    expect(id("/?id=77&lat=59.9001&lon=10.7&timestamp=1764104600")).not.toBe(a)
    expect(id("/?id=77&lat=59.9&lon=10.7&timestamp=1764104601")).not.toBe(a)
    expect(id("/?id=78&lat=59.9&lon=10.7&timestamp=1764104600")).not.toBe(a)
    expect(isEventId(a)).toBe(true)
    expect(isEventId(osmandEventId(ok(query(`/?id=${"~".repeat(64)}&lat=1&lon=1`)), now))).toBe(true)
  })
})

describe("OsmAnd HTTP answers", () => {
  it("answers 200 only when the position is stored or kept, so the client's queue never wedges", () => {
    expect(osmandHttpAnswer({ kind: "stored" }).status).toBe(200)
    expect(osmandHttpAnswer({ kind: "duplicate" }).status).toBe(200)
    expect(osmandHttpAnswer({ kind: "refused", refusal: { kind: "invalid_position", reason: "x", deviceId: "1" } }).status).toBe(200)
    expect(osmandHttpAnswer({ kind: "refused", refusal: { kind: "missing_device_id", reason: "x" } }).status).toBe(400)
    expect(osmandHttpAnswer({ kind: "refused", refusal: { kind: "too_large", reason: "x" } }).status).toBe(413)
    expect(osmandHttpAnswer({ kind: "unknown_device", form: "query" }).status).toBe(400)
    expect(osmandHttpAnswer({ kind: "unknown_device", form: "json" }).status).toBe(404)
    expect(osmandHttpAnswer({ kind: "store_unavailable" }).status).toBe(503)
  })
})
