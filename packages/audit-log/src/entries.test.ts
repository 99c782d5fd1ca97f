import { isDeepStrictEqual } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Result } from "effect"
import { AuditEntry, DeviceEvent, DeviceEventHead } from "@wt/contracts"
import { arbitraryDeviceEvent } from "@wt/contracts/examples"
import { decodeJson, encodeJson } from "@wt/nats"
import { deviceEventEntry, deviceEventEntryBytes, type DeviceEventsData, deviceEventsEntryBytes, deviceEventsEntryId } from "./entries.ts"

const origin = { stream: "WT_DEVICE", seq: 4711 }

/** What the gateway stores, and what the audit service reads back as a head. */
const stored = (event: DeviceEvent) => {
  const bytes = Result.getOrThrow(encodeJson(DeviceEvent, event))
  return { bytes, head: Result.getOrThrow(decodeJson(DeviceEventHead, bytes)) }
}

const entryOf = (bytes: Uint8Array) => Result.getOrThrow(decodeJson(AuditEntry, bytes))

describe("a device event's audit entry as bytes", () => {
  it.effect("decodes to the same entry as the event decoded whole, for any device event", () =>
    Effect.gen(function*() {
      const result = yield* Arbitrary.checkEffect(arbitraryDeviceEvent(), (event) => {
        const { bytes, head } = stored(event)
        const entry = entryOf(deviceEventEntryBytes(head, bytes, origin))
        const decodedWhole = Result.getOrThrow(decodeJson(DeviceEvent, bytes))
        const whole = entryOf(Result.getOrThrow(encodeJson(AuditEntry, deviceEventEntry(decodedWhole, origin))))
        return isDeepStrictEqual(entry, whole)
      }, { runs: 300 })
      assert.strictEqual(Arbitrary.formatCheckFailure(result), undefined)
    }))

  it("carries the event's bytes exactly as stored, so the trail holds what JetStream accepted", () => {
    // A stored event with spacing and key order no encoder of ours produces.
    const raw = new TextEncoder().encode(
      `{ "type":"gps", "payload":{"lon":10.75,"lat":59.91,"sos":true},"tenant":"demo","deviceId":"gps-7",` +
        `"id":"018f0000-0000-7000-8000-000000000007","occurredAt":"2026-11-25T21:04:05.120Z","source":{"via":"sim"} }`
    )
    const head = Result.getOrThrow(decodeJson(DeviceEventHead, raw))
    const bytes = deviceEventEntryBytes(head, raw, origin)
    const text = new TextDecoder().decode(bytes)
    assert.isTrue(text.endsWith(`,"data":${new TextDecoder().decode(raw)}}`))
    const entry = entryOf(bytes)
    assert.strictEqual(entry.summary, "accepted gps:sos from gps-7")
    assert.strictEqual(entry.id, "dev-4711")
    assert.strictEqual(entry.at, "2026-11-25T21:04:05.120Z")
    assert.deepStrictEqual(entry.subject, { deviceId: "gps-7", eventId: "018f0000-0000-7000-8000-000000000007" })
  })

  it("rejects a stored message without the head an entry needs", () => {
    const raw = new TextEncoder().encode(
      `{"id":"018f0000-0000-7000-8000-000000000007","type":"gps","payload":{"lat":1,"lon":2},"tenant":"demo","occurredAt":"2026-11-25T21:04:05.120Z"}`
    )
    const head = decodeJson(DeviceEventHead, raw)
    assert.isTrue(Result.isFailure(head))
    if (Result.isFailure(head)) assert.include(head.failure.message, "deviceId")
  })
})

describe("a batch of device events as one entry", () => {
  it.effect("holds every event's bytes exactly as stored, in stream order, for any events", () =>
    Effect.gen(function*() {
      const result = yield* Arbitrary.checkEffect(Arbitrary.array(arbitraryDeviceEvent(), { minLength: 1, maxLength: 20 }), (events) => {
        const batch = events.map((event, i) => ({ seq: 1000 + 3 * i, stored: stored(event).bytes }))
        const bytes = deviceEventsEntryBytes("demo", batch, "WT_DEVICE", "2026-11-25T21:04:05.120Z")
        const entry = entryOf(bytes)
        const data = entry.data as DeviceEventsData
        const text = new TextDecoder().decode(bytes)
        return entry.kind === "device_events" && entry.id === deviceEventsEntryId(batch) &&
          isDeepStrictEqual(entry.origin, { stream: "WT_DEVICE", seq: 1000 }) &&
          isDeepStrictEqual(data.events.map((e) => e.seq), batch.map((e) => e.seq)) &&
          // Each event's bytes appear as stored, and decode to the event.
          batch.every(({ seq, stored }) => text.includes(`{"seq":${seq},"event":${new TextDecoder().decode(stored)}}`)) &&
          data.events.every((e, i) => isDeepStrictEqual(e.event, JSON.parse(new TextDecoder().decode(batch[i]!.stored))))
      }, { runs: 100 })
      assert.strictEqual(Arbitrary.formatCheckFailure(result), undefined)
    }))

  it("names exactly which events it holds: two batches with the same ends and count but other events differ", () => {
    const bytes = new Uint8Array([0x7b, 0x7d])
    const a = deviceEventsEntryId([{ seq: 1, stored: bytes }, { seq: 3, stored: bytes }, { seq: 5, stored: bytes }])
    const b = deviceEventsEntryId([{ seq: 1, stored: bytes }, { seq: 4, stored: bytes }, { seq: 5, stored: bytes }])
    assert.match(a, /^devs-1-5-3-[0-9a-f]{8}$/)
    assert.notStrictEqual(a, b)
    assert.strictEqual(a, deviceEventsEntryId([{ seq: 1, stored: bytes }, { seq: 3, stored: bytes }, { seq: 5, stored: bytes }]))
  })
})
