import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent } from "@wt/contracts"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { jsonRequest, queryRequest, type TrackerFix } from "../../../simulators/devices/src/protocols/osmand-client.ts"
import { osmandDeviceEvents, osmandEventId } from "./device-events.ts"
import { fuzzOsmAnd } from "./fuzz.ts"
import { OsmAndLimits, parseOsmAndRequest } from "./report.ts"

/** fast-check properties through vitest (the root fast-check, not @effect/vitest's Schema-first `it.prop`). */
const prop = <T extends Array<unknown>>(name: string, arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, body: (args: T) => void, numRuns = 200) =>
  it(name, () => {
    fc.assert(fc.property(...(arbs as unknown as [fc.Arbitrary<unknown>]), (...args: Array<unknown>) => body(args as T)), { numRuns })
  })

const enc = (text: string) => new TextEncoder().encode(text)
const now = Date.parse("2026-11-25T21:04:05.120Z")
const isDeviceEvent = Schema.is(DeviceEvent)

const Fix: fc.Arbitrary<TrackerFix> = fc.record(
  {
    deviceId: fc.stringMatching(/^[\x21-\x7e]{1,64}$/),
    epochMs: fc.integer({ min: Date.UTC(2000, 0, 1), max: now }),
    lat: fc.double({ min: -90, max: 90, noNaN: true }).filter((v) => v !== 0),
    lon: fc.double({ min: -180, max: 180, noNaN: true }),
    speedMps: fc.double({ min: 0, max: 80, noNaN: true }),
    bearing: fc.double({ min: 0, max: 359.9, noNaN: true }),
    altitudeM: fc.double({ min: -400, max: 9000, noNaN: true }),
    accuracyM: fc.double({ min: 0.5, max: 5000, noNaN: true }),
    batteryPct: fc.integer({ min: 0, max: 100 }),
    alarm: fc.constantFrom("sos", "lowBattery", "powerCut", "geofenceExit"),
    charging: fc.boolean(),
    uuid: fc.uuid()
  },
  { requiredKeys: ["deviceId", "epochMs", "lat", "lon"] }
)

const read = (request: { url: string; contentType?: string; body: string }) =>
  parseOsmAndRequest({ url: request.url, ...(request.contentType !== undefined && { contentType: request.contentType }), body: enc(request.body) }, now)

describe("OsmAnd codec properties", () => {
  prop("a fix the simulated client sends as a query string reads back (speed through knots)", [Fix, fc.constantFrom("seconds", "millis", "iso")], ([fix, style]) => {
    const parsed = read(queryRequest(fix, style as "seconds"))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.reason)
    const report = parsed.success
    expect(report.deviceId).toBe(fix.deviceId)
    // Decimal text has no negative zero: -0 is sent as "0".
    expect(report.position).toEqual({ lat: fix.lat + 0, lon: fix.lon + 0 })
    expect(report.timestampMs).toBe(style === "seconds" ? Math.floor(fix.epochMs / 1000) * 1000 : fix.epochMs)
    if (fix.speedMps !== undefined) expect(report.speedMps).toBeCloseTo(fix.speedMps, 6)
    expect(report.batteryPct).toBe(fix.batteryPct)
    expect(report.alarm).toBe(fix.alarm)
  })

  prop("a fix the simulated client sends as JSON reads back", [Fix], ([fix]) => {
    const parsed = read(jsonRequest(fix))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.reason)
    const report = parsed.success
    expect(report).toMatchObject({ form: "json", deviceId: fix.deviceId, position: { lat: fix.lat + 0, lon: fix.lon + 0 }, timestampMs: fix.epochMs })
    if (fix.speedMps !== undefined) expect(report.speedMps).toBe(fix.speedMps)
    if (fix.batteryPct !== undefined) expect(report.batteryPct).toBeCloseTo(fix.batteryPct, 6)
  })

  prop("every fix becomes valid canonical events; an SOS always rides the alarm lane as sos", [Fix, fc.boolean()], ([fix, asJson]) => {
    const parsed = read(asJson ? jsonRequest(fix) : queryRequest(fix))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure.reason)
    const events = osmandDeviceEvents(parsed.success, { tenant: "demo", deviceId: "gps-1" }, now)
    if (Result.isFailure(events)) throw new Error(events.failure.reason)
    expect(events.success.length).toBeGreaterThanOrEqual(1)
    for (const event of events.success) expect(isDeviceEvent(event)).toBe(true)
    const gps = events.success.find((e) => e.type === "gps")
    expect(gps?.type === "gps" && gps.payload.sos === true).toBe(fix.alarm === "sos")
  })

  prop("a resend of the same fix has the same event id; the id always fits the contract", [Fix], ([fix]) => {
    const first = read(queryRequest(fix))
    const again = read(queryRequest(fix))
    if (Result.isFailure(first) || Result.isFailure(again)) throw new Error("refused")
    expect(osmandEventId(first.success, now)).toBe(osmandEventId(again.success, now + 30_000))
  })

  prop("an impossible coordinate is refused with a reason, never stored", [Fix, fc.oneof(fc.double({ min: 90.000001, max: 1e9 }), fc.double({ min: -1e9, max: -90.000001 }), fc.constant(Number.NaN))], ([fix, lat]) => {
    const parsed = read(queryRequest({ ...fix, lat }))
    expect(Result.isFailure(parsed) && parsed.failure.kind).toBe("invalid_position")
  })

  it("arbitrary bytes never throw: 10,000 inputs, each read both ways, end in events or a refusal", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(fuzzOsmAnd(bytes)).toMatch(/^(events|refused):\S+ (events|refused):\S+$/u)
      }),
      { numRuns: 10_000 }
    )
  })

  it("query-ish noise never throws (10,000 inputs)", () => {
    const token = fc.constantFrom("id=", "deviceid=", "lat=", "lon=", "location=", "timestamp=", "speed=", "batt=", "alarm=", "&", "=", "%", "%2", "%41", "+", "59.9", "-1", "NaN", "1e308", "sos", "1764104600", ",", "T", ":")
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        expect(fuzzOsmAnd(enc(tokens.join("")))).toMatch(/^(events|refused):\S+ (events|refused):\S+$/u)
      }),
      { numRuns: 10_000 }
    )
  })

  prop("every truncation of a JSON report is refused or read, never thrown", [Fix], ([fix]) => {
    const body = enc(jsonRequest(fix).body)
    for (let cut = 0; cut < body.length; cut += 7) expect(fuzzOsmAnd(body.subarray(0, cut))).toMatch(/^(events|refused):\S+ (events|refused):\S+$/u)
  }, 50)

  it("refuses an oversized body or URL as too large", () => {
    const body = parseOsmAndRequest({ url: "/", contentType: "application/json", body: new Uint8Array(OsmAndLimits.maxBodyBytes + 1) }, now)
    expect(Result.isFailure(body) && body.failure.kind).toBe("too_large")
    const url = parseOsmAndRequest({ url: `/?id=1&x=${"a".repeat(OsmAndLimits.maxUrlBytes)}`, body: new Uint8Array(0) }, now)
    expect(Result.isFailure(url) && url.failure.kind).toBe("too_large")
  })
})
