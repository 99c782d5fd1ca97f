import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { DeviceEventBatches } from "./device-event-batches.ts"
import type { StoredDeviceEvent } from "./entries.ts"

const event = (seq: number): StoredDeviceEvent => ({ seq, stored: new TextEncoder().encode(`{"n":${seq}}`) })
const at = (s: number) => `2026-11-25T21:04:${String(s).padStart(2, "0")}.000Z`

/** A writer that records what it was given, and fails while `failing` is set. */
const recorder = () => {
  const written: Array<{ tenant: string; seqs: ReadonlyArray<number>; at: string }> = []
  const state = { failing: false }
  const write = (tenant: string, events: ReadonlyArray<StoredDeviceEvent>, when: string) =>
    Effect.suspend(() => {
      if (state.failing) return Effect.fail("nats down" as const)
      written.push({ tenant, seqs: events.map((e) => e.seq), at: when })
      return Effect.void
    })
  return { written, state, write }
}

describe("device events gathered into batch entries", () => {
  it.effect("a full batch is written at once, in stream order, and every handler in it succeeds", () =>
    Effect.gen(function*() {
      const { written, write } = recorder()
      const batches = new DeviceEventBatches({ maxEvents: 4, maxBytes: 1 << 20, maxWaitMs: 60_000 }, write)
      // Handlers finish out of order, as a consumer's workers do.
      const exits = yield* Effect.all([7, 5, 8, 6].map((seq, i) => Effect.exit(batches.add("demo", event(seq), at(10 - i)))), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(exits.map(Exit.isSuccess), [true, true, true, true])
      assert.deepStrictEqual(written, [{ tenant: "demo", seqs: [5, 6, 7, 8], at: at(7) }])
      assert.strictEqual(batches.gathering, 0)
    }))

  it.effect("a batch that does not fill is written after the wait; tenants never share one", () =>
    Effect.gen(function*() {
      const { written, write } = recorder()
      const batches = new DeviceEventBatches({ maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 20 }, write)
      const handlers = yield* Effect.forkChild(Effect.all([
        batches.add("demo", event(1), at(1)),
        batches.add("other", event(2), at(1)),
        batches.add("demo", event(3), at(1))
      ], { concurrency: "unbounded" }))
      yield* TestClock.adjust(19)
      assert.deepStrictEqual(written, [])
      yield* TestClock.adjust(1)
      yield* Fiber.join(handlers)
      assert.deepStrictEqual(written.map((w) => [w.tenant, w.seqs]).sort(), [["demo", [1, 3]], ["other", [2]]])
    }))

  it.effect("a batch is cut at its byte limit, and an event that would take it over starts the next, so an entry stays within a message's size", () =>
    Effect.gen(function*() {
      const { written, write } = recorder()
      // Each event is 8 bytes: three fill 24. A 20-byte event does not fit beside one.
      const batches = new DeviceEventBatches({ maxEvents: 100, maxBytes: 24, maxWaitMs: 60_000 }, write)
      yield* Effect.all([10, 11, 12].map((seq) => batches.add("demo", event(seq), at(1))), { concurrency: "unbounded" })
      assert.deepStrictEqual(written.map((w) => w.seqs), [[10, 11, 12]])
      const large = { seq: 14, stored: new TextEncoder().encode(`{"n":"${"x".repeat(12)}"}`) }
      const handlers = yield* Effect.forkChild(Effect.all([batches.add("demo", event(13), at(1)), batches.add("demo", large, at(1))], { concurrency: "unbounded" }))
      yield* TestClock.adjust(60_000)
      yield* Fiber.join(handlers)
      assert.deepStrictEqual(written.map((w) => w.seqs), [[10, 11, 12], [13], [14]])
    }))

  it.effect("a failed write fails every handler of the batch, so their messages come back; the next batch is written anew", () =>
    Effect.gen(function*() {
      const { written, state, write } = recorder()
      const batches = new DeviceEventBatches({ maxEvents: 3, maxBytes: 1 << 20, maxWaitMs: 60_000 }, write)
      state.failing = true
      const failed = yield* Effect.all([1, 2, 3].map((seq) => Effect.exit(batches.add("demo", event(seq), at(1)))), { concurrency: "unbounded" })
      assert.deepStrictEqual(failed.map(Exit.isFailure), [true, true, true])
      assert.deepStrictEqual(written, [])
      state.failing = false
      yield* Effect.all([1, 2, 3].map((seq) => batches.add("demo", event(seq), at(1))), { concurrency: "unbounded" })
      assert.deepStrictEqual(written.map((w) => w.seqs), [[1, 2, 3]])
    }))

  it.effect("the first handler interrupted (a shutdown) fails the others' handlers instead of leaving them waiting", () =>
    Effect.gen(function*() {
      const { written, write } = recorder()
      const batches = new DeviceEventBatches({ maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 60_000 }, write)
      const first = yield* Effect.forkChild(batches.add("demo", event(1), at(1)))
      yield* Effect.yieldNow
      const second = yield* Effect.forkChild(Effect.exit(batches.add("demo", event(2), at(1))))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(first)
      const exit = yield* Fiber.join(second)
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(written, [])
      // Nothing is left gathering: the next event opens a new batch.
      assert.strictEqual(batches.gathering, 0)
    }))

  it.effect("an event joining a batch that is gathering waits without an effect, and learns the batch's outcome; with none gathering or no room, addNow leaves the event to add", () =>
    Effect.gen(function*() {
      const { written, state, write } = recorder()
      const batches = new DeviceEventBatches({ maxEvents: 3, maxBytes: 24, maxWaitMs: 60_000 }, write)
      const outcomes: Array<[number, boolean]> = []
      const noted = (seq: number) => (exit: Exit.Exit<void, "nats down">) => void outcomes.push([seq, Exit.isSuccess(exit)])
      assert.isFalse(batches.addNow("demo", event(1), at(1), noted(1)), "no batch gathering: add must lead one")
      const lead = yield* Effect.forkChild(batches.add("demo", event(1), at(3)))
      yield* Effect.yieldNow
      assert.isTrue(batches.addNow("demo", event(3), at(2), noted(3)))
      assert.deepStrictEqual(outcomes, [], "nothing settled before the batch is stored")
      // The third event fills the batch: the lead writes it, and both joined events learn it.
      assert.isTrue(batches.addNow("demo", event(2), at(1), noted(2)))
      yield* Fiber.join(lead)
      assert.deepStrictEqual(written, [{ tenant: "demo", seqs: [1, 2, 3], at: at(1) }])
      assert.deepStrictEqual(outcomes, [[3, true], [2, true]])

      // A failed write reaches the joined events as a failure.
      state.failing = true
      const failing = yield* Effect.forkChild(Effect.exit(batches.add("demo", event(4), at(1))))
      yield* Effect.yieldNow
      // 8 + 20 bytes would pass the batch's 24: left to add, which starts the next batch.
      assert.isFalse(batches.addNow("demo", { seq: 6, stored: new TextEncoder().encode(`{"n":"${"x".repeat(12)}"}`) }, at(1), noted(6)))
      assert.isTrue(batches.addNow("demo", event(5), at(1), noted(5)))
      yield* TestClock.adjust(60_000)
      assert.isTrue(Exit.isFailure(yield* Fiber.join(failing)))
      assert.deepStrictEqual(outcomes.slice(2), [[5, false]])
    }))
})

