import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect } from "effect"
import { arbitraryDeviceEvent, eventVariants } from "./examples.ts"

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
      const inputs = events.flatMap((event) => eventVariants(JSON.parse(JSON.stringify(event)) as Record<string, unknown>))
      const compiled = decodedIn(inputs, false)
      const interpreted = decodedIn(inputs, true)
      expect(compiled).toEqual(interpreted)
      // Not a comparison of refusals alone: every event as stored decodes.
      expect((interpreted as Array<[[boolean]]>).filter(([[ok]]) => ok).length).toBeGreaterThanOrEqual(events.length)
    }), 60_000)
})
