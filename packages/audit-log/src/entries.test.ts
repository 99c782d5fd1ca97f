import { isDeepStrictEqual } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Result } from "effect"
import { AuditEntry, DeviceEvent, DeviceEventHead } from "@wt/contracts"
import { arbitraryDeviceEvent } from "@wt/contracts/examples"
import { decodeJson, encodeJson } from "@wt/nats"
import { deviceEventEntry, deviceEventEntryBytes } from "./entries.ts"

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
