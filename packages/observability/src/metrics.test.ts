import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { latencyHistogram, renderPrometheus, seriesOf, totalCounter, withLatency } from "./index.ts"

describe("metrics", () => {
  it.effect("a counter incremented shows in the Prometheus text", () =>
    Effect.gen(function*() {
      const accepted = totalCounter("wt_test_events_accepted_total", {
        description: "Events accepted in this test",
        attributes: { lane: "alarm" }
      })
      yield* Metric.update(accepted, 3)
      const text = yield* renderPrometheus()
      expect(text).toContain("# TYPE wt_test_events_accepted_total counter")
      expect(text).toContain(`wt_test_events_accepted_total{lane="alarm"} 3`)
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m)
      expect(text).toMatch(/^nodejs_heap_total_bytes \d+/m)
      expect(text).toMatch(/^nodejs_external_memory_bytes \d+/m)
    }))

  it.live("withLatency records failures as well as successes, in millisecond buckets", () =>
    Effect.gen(function*() {
      const latency = latencyHistogram("wt_test_step_duration_ms")
      yield* Effect.sleep("20 millis").pipe(withLatency(latency))
      yield* Effect.fail("nope").pipe(withLatency(latency), Effect.ignore)
      const state = yield* Metric.value(latency)
      expect(state.count).toBe(2)
      expect(state.max).toBeGreaterThanOrEqual(19)
      const text = yield* renderPrometheus()
      expect(text).toContain(`wt_test_step_duration_ms_bucket{le="25"}`)
      expect(text).toContain("wt_test_step_duration_ms_count 2")
    }))

  it.effect("series by attribute set are made once each and count apart", () =>
    Effect.gen(function*() {
      const decided = seriesOf(totalCounter("wt_test_decisions_total"))
      assert.strictEqual(decided({ outcome: "opened", priority: "P1" }), decided({ outcome: "opened", priority: "P1" }))
      assert.notStrictEqual(decided({ outcome: "opened", priority: "P1" }), decided({ outcome: "opened", priority: "P2" }))
      yield* Metric.update(decided({ outcome: "opened", priority: "P1" }), 1)
      yield* Metric.update(decided({ outcome: "opened", priority: "P1" }), 1)
      yield* Metric.update(decided({ outcome: "no_incident", priority: "none" }), 1)
      const text = yield* renderPrometheus()
      expect(text).toContain(`wt_test_decisions_total{outcome="opened",priority="P1"} 2`)
      expect(text).toContain(`wt_test_decisions_total{outcome="no_incident",priority="none"} 1`)
    }))

  it.effect("asked for some families, renders those and nothing else, the same lines as the whole rendering", () =>
    Effect.gen(function*() {
      const wanted = seriesOf(totalCounter("wt_test_wanted_total"))
      yield* Metric.update(wanted({ consumer: "a" }), 2)
      yield* Metric.update(wanted({ consumer: "b" }), 5)
      yield* Metric.update(totalCounter("wt_test_unwanted_total"), 1)
      const whole = yield* renderPrometheus()
      const some = yield* renderPrometheus({ families: ["wt_test_wanted_total"] })
      const lines = some.trim().split("\n")
      expect(lines.filter((l) => !l.startsWith("#"))).toEqual([`wt_test_wanted_total{consumer="a"} 2`, `wt_test_wanted_total{consumer="b"} 5`])
      for (const line of lines) expect(whole.split("\n")).toContain(line)
      expect(some).not.toContain("wt_test_unwanted_total")
      expect(some).not.toContain("process_resident_memory_bytes")
      // A histogram asked for by its family's name or by its samples' (`_bucket`, `_sum`, `_count`).
      yield* Metric.update(latencyHistogram("wt_test_wanted_ms"), 7)
      for (const name of ["wt_test_wanted_ms", "wt_test_wanted_ms_bucket", "wt_test_wanted_ms_count"]) {
        const histogram = yield* renderPrometheus({ families: [name] })
        expect(histogram, name).toContain(`wt_test_wanted_ms_bucket{le="10"} 1`)
        expect(histogram, name).toContain("wt_test_wanted_ms_count 1")
        expect(histogram, name).not.toContain("wt_test_wanted_total")
      }
      // A process gauge asked for by name is sampled fresh, as in the whole rendering.
      expect(yield* renderPrometheus({ families: ["process_resident_memory_bytes"] })).toMatch(/^process_resident_memory_bytes \d+/m)
    }))
})

