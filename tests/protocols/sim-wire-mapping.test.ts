import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { parseFrame, toDeviceEventDrafts } from "@wt/dc09"
import { osmandDeviceEvents, parseOsmAndRequest } from "@wt/osmand"
import { demoDc09Key, demoEncrypts } from "@wt/registry/demo"
import { parseMessageRequest, scaipDeviceEvent } from "@wt/scaip"
import {
  type Carried,
  dc09ContentFor,
  demoSimFleet,
  generateEvents,
  kindOf,
  osmandRequestFor,
  scaipContentFor,
  scaipStyleOf,
  vendorEventFor,
  type WireDevice,
  wireDeviceOf,
  wireDirectory
} from "@wt/sim-devices"
import { encodeDc09 } from "@wt/sim-devices/protocols/dc09"
import { encodeMrq } from "@wt/sim-devices/protocols/scaip"
import { dispenserDelivery, sensorDelivery } from "@wt/sim-devices/protocols/webhook"
import { loadBundledVendorMappings, mapWebhook, webhookDeviceEvent } from "@wt/webhooks"

/**
 * The device simulator writes each protocol from the device's side, with code tables of its own;
 * the receivers read them with theirs. Here every canonical event of a large simulated fleet that
 * the simulator says a protocol can carry is written as that protocol's frame and read back by the
 * receiver's codec: it must come back as the same kind (type and discriminating field), so a load
 * test through the receivers sends what it counts. What the simulator skips is never sent at all.
 */
const fleet = demoSimFleet({ residents: 120 })
const directory = wireDirectory(fleet)
const nowMs = Date.parse("2026-12-04T10:00:00.000Z")
const events: ReadonlyArray<DeviceEvent> = [
  ...Result.getOrThrow(generateEvents(fleet, { seed: 5, idSalt: 1, mix: "normal" }, 6000, { startMs: nowMs - 60_000, stepMs: 10 })),
  ...Result.getOrThrow(generateEvents(fleet, { seed: 6, idSalt: 2, mix: "alarms-only" }, 3000, { startMs: nowMs - 30_000, stepMs: 10 }))
]
const target = { tenant: "demo", deviceId: "device-under-test" }
const secret = "mapping-test-dc09-secret"

/** What must survive the trip: type and the discriminating field; a tracker's SOS flag. */
const sameKind = (event: { readonly type: string; readonly payload: Record<string, unknown> }): string =>
  kindOf(event as DeviceEvent)

const each = <A>(map: (event: DeviceEvent, device: WireDevice & { readonly digits: string }) => Carried<A>, check: (message: A, event: DeviceEvent, device: WireDevice & { readonly digits: string }) => void) => {
  let sent = 0, skipped = 0
  for (const event of events) {
    const device = wireDeviceOf(directory, event)
    if (device._tag === "skip") throw new Error(device.reason)
    const carried = map(event, device.message)
    if (carried._tag === "skip") {
      expect(carried.reason.length).toBeGreaterThan(0)
      skipped++
      continue
    }
    sent++
    check(carried.message, event, device.message)
  }
  return { sent, skipped }
}

describe("the device simulator's wire encodings read back as the events it counts", () => {
  it("DC-09: Contact ID, SIA and link tests, plain and encrypted, come back as the same kind", () => {
    const keyFor = (account: string) => (demoEncrypts(account) ? new Uint8Array(Buffer.from(demoDc09Key(secret, account), "hex")) : undefined)
    const seen = new Set<string>()
    const { sent, skipped } = each(dc09ContentFor, (content, event, device) => {
      const key = keyFor(device.digits)
      const bytes = encodeDc09({ type: content.type, sequence: 1, line: "1", account: device.digits, data: content.data, timestamp: new Date(nowMs), ...(key !== undefined ? { key } : {}) })
      const parsed = parseFrame(bytes, { now: nowMs, keyFor })
      if (parsed._tag !== "Parsed") throw new Error(`${kindOf(event)}: refused ${parsed.reason} ${parsed.detail}`)
      const drafts = toDeviceEventDrafts(parsed.frame, new Date(nowMs).toISOString())
      expect(drafts).toHaveLength(1)
      expect(sameKind(drafts[0]! as never)).toBe(kindOf(event))
      seen.add(`${content.type} ${kindOf(event)}`)
    })
    expect(sent).toBeGreaterThan(3000)
    expect(skipped).toBeGreaterThan(0)
    // Both data formats and link tests were exercised, and both kinds of care alarm.
    expect([...seen].some((s) => s.startsWith("SIA-DCS"))).toBe(true)
    expect([...seen].some((s) => s.startsWith("ADM-CID safety_alarm pendant"))).toBe(true)
    expect(seen.has("NULL technical heartbeat")).toBe(true)
  })

  it("SCAIP: every unit style's <mrq> comes back as the same kind", () => {
    const seen = new Set<string>()
    const { sent } = each((e, d) => scaipContentFor(e, d, nowMs), (content, event, device) => {
      const xml = encodeMrq({ ...content, ref: "T1" }, scaipStyleOf(device.digits))
      const request = parseMessageRequest(new TextEncoder().encode(xml))
      if (Result.isFailure(request)) throw new Error(`${kindOf(event)}: ${request.failure.reason}`)
      const read = scaipDeviceEvent(request.success, target, nowMs, xml)
      if (Result.isFailure(read)) throw new Error(`${kindOf(event)}: ${read.failure.reason}`)
      expect(sameKind(read.success as never)).toBe(kindOf(event))
      seen.add(event.type)
    })
    expect(sent).toBeGreaterThan(3000)
    expect([...seen].sort()).toEqual(["gps", "medication", "safety_alarm", "sensor", "technical"])
  })

  it("OsmAnd: positions, SOS and reports without a fix, in both client forms, come back as one event of the same kind", () => {
    const forms = new Set<string>()
    const { sent } = each(osmandRequestFor, (request, event) => {
      const report = parseOsmAndRequest({ url: request.url, body: new TextEncoder().encode(request.body), ...(request.contentType !== undefined ? { contentType: request.contentType } : {}) }, nowMs)
      if (Result.isFailure(report)) throw new Error(`${kindOf(event)}: ${report.failure.reason}`)
      const read = osmandDeviceEvents(report.success, target, nowMs)
      if (Result.isFailure(read)) throw new Error(`${kindOf(event)}: ${read.failure.reason}`)
      expect(read.success.map((e) => kindOf(e))).toEqual([kindOf(event)])
      if (event.type === "gps") expect(read.success[0]!.payload).toMatchObject({ lat: event.payload.lat, lon: event.payload.lon })
      forms.add(report.success.form)
    })
    expect(sent).toBeGreaterThan(500)
    expect([...forms].sort()).toEqual(["json", "query"])
  })

  it("webhooks: both vendors' deliveries map back to the same kinds", () => {
    const mappings = Result.getOrThrow(loadBundledVendorMappings())
    const vendors = new Set<string>()
    const { sent } = each(vendorEventFor, (vendorEvent, event) => {
      const request = vendorEvent.vendor === "demo-dispenser"
        ? dispenserDelivery([vendorEvent.event], "s", nowMs)
        : sensorDelivery([vendorEvent.event], ["s"], nowMs)
      const mapped = mapWebhook(mappings.get(vendorEvent.vendor)!.mapping, new TextEncoder().encode(request.body))
      if (Result.isFailure(mapped)) throw new Error(`${kindOf(event)}: ${mapped.failure.reason}`)
      expect(mapped.success.refused).toEqual([])
      const read = webhookDeviceEvent(mapped.success.items[0]!, target)
      if (Result.isFailure(read)) throw new Error(`${kindOf(event)}: ${read.failure.reason}`)
      expect(sameKind(read.success as never)).toBe(kindOf(event))
      vendors.add(vendorEvent.vendor)
    })
    expect(sent).toBeGreaterThan(1000)
    expect([...vendors].sort()).toEqual(["demo-dispenser", "demo-sensors"])
  })
})
