import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { TriageLanes } from "./lane-workers.ts"

const lanesWith = (env: Record<string, string>) => TriageLanes.parse(ConfigProvider.fromEnv({ env }))

describe("TriageLanes", () => {
  it.effect("reads a list of lanes, all three when unset, and none for no lane at all", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* lanesWith({ WT_TRIAGE_LANES: "tech, telemetry" }), ["tech", "telemetry"])
      assert.deepStrictEqual(yield* lanesWith({}), ["alarm", "tech", "telemetry"])
      assert.deepStrictEqual(yield* lanesWith({ WT_TRIAGE_LANES: "none" }), [])
    }))

})
