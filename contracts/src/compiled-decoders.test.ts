import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect } from "effect"
import { arbitraryDeviceEvent } from "./examples.ts"

/** Each event as stored, and changed in the ways a decoder must refuse or read alike. */
const variants = (event: Record<string, unknown>): ReadonlyArray<unknown> => {
  const source = event["source"] as Record<string, unknown>
  const payload = event["payload"] as Record<string, unknown>
  const { deviceId: _deviceId, ...withoutDevice } = event
  const { receivedAt: _receivedAt, ...sent } = event
  return [
    event,
    sent,
    withoutDevice,
    { ...event, unknown: 1 },
    { ...event, source: { ...source, vendr: "x" } },
    { ...event, source: { ...source, via: "engine" } },
    { ...event, source: { ...source, via: "fax" } },
    { ...event, source: "http" },
    { ...event, payload: { ...payload, zone: 3 } },
    { ...event, payload: { ...payload, nested: { a: 1 } } },
    { ...event, payload: { ...payload, note: "x".repeat(129) } },
    { ...event, payload: { ...payload, ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}`, i])) } },
    { ...event, payload: {} },
    { ...event, payload: null },
    { ...event, type: "no-such-type" },
    { ...event, id: 42 },
    { ...event, occurredAt: "yesterday" },
    { ...event, tenant: "" },
    [event],
    null,
    "event"
  ]
}

const decodeEach = fileURLToPath(new URL("./testing/decode-each.ts", import.meta.url))
/** How a process of its own decodes `inputs` with every device-event schema, compiled or (WT_SCHEMA_INTERPRETED=1) interpreted. */
const decodedIn = (inputs: ReadonlyArray<unknown>, interpreted: boolean): unknown =>
  JSON.parse(execFileSync(process.execPath, [decodeEach], {
    input: JSON.stringify(inputs),
    env: { ...process.env, WT_SCHEMA_INTERPRETED: interpreted ? "1" : "0" },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024
  }))

describe("the device events' compiled decoders", () => {
  it.effect("decode what the interpreted decoders decode, to the same values, and refuse what they refuse", () =>
    Effect.gen(function*() {
      const events = yield* Arbitrary.sampleEffect(arbitraryDeviceEvent(), { count: 500 })
      const inputs = events.flatMap((event) => variants(JSON.parse(JSON.stringify(event)) as Record<string, unknown>))
      const compiled = decodedIn(inputs, false)
      const interpreted = decodedIn(inputs, true)
      expect(compiled).toEqual(interpreted)
      // Not a comparison of refusals alone: every event as stored decodes.
      expect((interpreted as Array<[[boolean]]>).filter(([[ok]]) => ok).length).toBeGreaterThanOrEqual(events.length)
    }), 60_000)
})
