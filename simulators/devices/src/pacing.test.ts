import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { makePacer } from "./pacing.ts"

describe("pacer", () => {
  it.effect("lets one burst through at once, then holds the rate exactly", () =>
    Effect.gen(function*() {
      const pacer = makePacer(1_000, 100)
      let taken = 0
      const fiber = yield* Effect.forEach(
        Array.from({ length: 10 }),
        () => pacer.take(100).pipe(Effect.tap(() => Effect.sync(() => (taken += 100)))),
        { discard: true }
      ).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      assert.strictEqual(taken, 100)
      yield* TestClock.adjust(450)
      yield* Effect.yieldNow
      assert.strictEqual(taken, 500)
      yield* TestClock.adjust(450)
      yield* Fiber.join(fiber)
      // 1000 events at 1000/s with a burst of 100: done after 0.9 s, not before.
      assert.strictEqual(taken, 1_000)
    }))
})
