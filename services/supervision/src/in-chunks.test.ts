import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { forEachChunk, forEachInChunks } from "./in-chunks.ts"

describe("forEachInChunks", () => {
  it.effect("visits every item once, in order within a chunk, reading the input only a chunk ahead", () =>
    Effect.gen(function*() {
      let produced = 0
      let furthestAhead = 0
      const seen: Array<number> = []
      function* items() {
        for (let i = 0; i < 1_000; i++) {
          produced++
          furthestAhead = Math.max(furthestAhead, produced - seen.length)
          yield i
        }
      }
      yield* forEachInChunks(items(), (i) => Effect.sync(() => seen.push(i)), { concurrency: 1, chunk: 64 })
      assert.deepStrictEqual(seen, Array.from({ length: 1_000 }, (_, i) => i))
      assert.isAtMost(furthestAhead, 64)
    }))

  it.effect("handles an empty input and one that ends on a chunk boundary", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      yield* forEachInChunks([], (i: number) => Effect.sync(() => seen.push(i)), { concurrency: 4 })
      yield* forEachInChunks([1, 2, 3, 4], (i) => Effect.sync(() => seen.push(i)), { concurrency: 4, chunk: 2 })
      assert.deepStrictEqual(seen, [1, 2, 3, 4])
    }))

  it.effect("stops before a chunk once continueWhile says so, and returns the input, whose finally puts back what was not reached", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const notReached: Array<number> = []
      function* items() {
        let i = 0
        try {
          for (; i < 10; i++) yield i
        } finally {
          for (i++; i < 10; i++) notReached.push(i)
        }
      }
      yield* forEachInChunks(items(), (i) => Effect.sync(() => seen.push(i)), { concurrency: 2, chunk: 3, continueWhile: () => seen.length < 5 })
      // Chunks of three: the second ends past five, so the third is not taken. The generator had handed out 0–5.
      assert.deepStrictEqual(seen, [0, 1, 2, 3, 4, 5])
      assert.deepStrictEqual(notReached, [6, 7, 8, 9])
    }))

  it.effect("returns the input at a failure too", () =>
    Effect.gen(function*() {
      let returned = false
      function* items() {
        try {
          for (let i = 0; i < 10; i++) yield i
        } finally {
          returned = true
        }
      }
      yield* forEachInChunks(items(), (i) => (i === 1 ? Effect.fail("boom") : Effect.void), { concurrency: 1, chunk: 4 }).pipe(Effect.flip)
      assert.isTrue(returned)
    }))

  it.effect("stops at the first failure", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const result = yield* forEachInChunks([1, 2, 3, 4, 5], (i) => (i === 3 ? Effect.fail("boom") : Effect.sync(() => seen.push(i))), {
        concurrency: 1,
        chunk: 2
      }).pipe(Effect.flip)
      assert.strictEqual(result, "boom")
      assert.deepStrictEqual(seen, [1, 2])
    }))

  it.effect("forEachChunk hands over each chunk whole, the last one short", () =>
    Effect.gen(function*() {
      const chunks: Array<ReadonlyArray<number>> = []
      yield* forEachChunk(Array.from({ length: 10 }, (_, i) => i), (chunk) => Effect.sync(() => chunks.push([...chunk])), { chunk: 4 })
      assert.deepStrictEqual(chunks, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    }))
})
