import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { makeLookupCache } from "./lookup-cache.ts"

const counting = (options: { readonly capacity: number; readonly failOn?: string }) => {
  const asked: Array<string> = []
  const cache = makeLookupCache({
    capacity: options.capacity,
    timeToLiveMs: 10_000,
    lookup: (key: string) =>
      Effect.suspend(() => {
        asked.push(key)
        return key === options.failOn ? Effect.fail(`database down for ${key}`) : Effect.succeed(`owner of ${key}`)
      })
  })
  return { asked, cache }
}

describe("the registry's lookup cache", () => {
  it.effect("answers a key from memory until its time to live has passed, then asks again", () =>
    Effect.gen(function*() {
      const { asked, cache } = counting({ capacity: 10 })
      expect(yield* cache.get("a")).toBe("owner of a")
      yield* TestClock.adjust("9 seconds")
      expect(yield* cache.get("a")).toBe("owner of a")
      expect(asked).toEqual(["a"])
      yield* TestClock.adjust("1 second")
      expect(yield* cache.get("a")).toBe("owner of a")
      expect(asked).toEqual(["a", "a"])
    }))

  it.effect("does not remember a failed lookup", () =>
    Effect.gen(function*() {
      const { asked, cache } = counting({ capacity: 10, failOn: "b" })
      expect(yield* Effect.flip(cache.get("b"))).toBe("database down for b")
      expect(yield* Effect.flip(cache.get("b"))).toBe("database down for b")
      expect(asked).toEqual(["b", "b"])
      expect(cache.size()).toBe(0)
    }))

  it.effect("when full, lets the least recently used key go first", () =>
    Effect.gen(function*() {
      const { asked, cache } = counting({ capacity: 2 })
      yield* cache.get("a")
      yield* cache.get("b")
      yield* cache.get("a") // a is now the most recently used
      yield* cache.get("c") // pushes b out
      expect(cache.size()).toBe(2)
      yield* cache.get("a")
      yield* cache.get("b")
      expect(asked).toEqual(["a", "b", "c", "b"])
    }))

  it.effect("lets expired entries go as new ones come in, not only when full", () =>
    Effect.gen(function*() {
      const { cache } = counting({ capacity: 10 })
      yield* cache.get("a")
      yield* cache.get("b")
      yield* TestClock.adjust("5 seconds")
      yield* cache.get("c")
      expect(cache.size()).toBe(3)
      yield* TestClock.adjust("5 seconds")
      // a and b expired: they go as d comes in; c is still alive.
      yield* cache.get("d")
      expect(cache.size()).toBe(2)
    }))

  it.effect("forgets everything on invalidateAll", () =>
    Effect.gen(function*() {
      const { asked, cache } = counting({ capacity: 10 })
      yield* cache.get("a")
      yield* cache.invalidateAll
      yield* cache.get("a")
      expect(asked).toEqual(["a", "a"])
    }))
})
