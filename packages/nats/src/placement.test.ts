import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { retryWhilePlacementPending } from "./placement.ts"

/** A JetStream API error as the client gives it: the API's error code on `code`. */
const apiError = (code: number) => Object.assign(new Error(`api error ${code}`), { code })

describe("creating a stream or bucket while the cluster cannot place its replicas", () => {
  it.effect("is tried again until the peers are known", () =>
    Effect.gen(function*() {
      let attempts = 0
      const create = Effect.suspend(() => ++attempts < 4 ? Effect.fail(apiError(10005)) : Effect.succeed("created"))
      const made = yield* Effect.forkChild(retryWhilePlacementPending(create))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(made)).toBe("created")
      expect(attempts).toBe(4)
    }))

  it.effect("gives up after 30 seconds, with the cluster's refusal", () =>
    Effect.gen(function*() {
      let attempts = 0
      const create = Effect.suspend(() => (attempts++, Effect.fail(apiError(10005))))
      const made = yield* Effect.forkChild(Effect.exit(retryWhilePlacementPending(create)))
      yield* TestClock.adjust("31 seconds")
      const exit = yield* Fiber.join(made)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(attempts).toBeGreaterThan(50)
      expect(attempts).toBeLessThan(70)
    }))

  it.effect("fails at once on any other refusal", () =>
    Effect.gen(function*() {
      let attempts = 0
      const create = Effect.suspend(() => (attempts++, Effect.fail(apiError(10058))))
      const exit = yield* Effect.exit(retryWhilePlacementPending(create))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(attempts).toBe(1)
    }))
})
