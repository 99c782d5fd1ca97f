import { assert, layer } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { Nats } from "@wt/nats"
import { NatsTestServer, until } from "@wt/nats/testing"
import { openKvMirror } from "./kv-mirror.ts"

const Count = Schema.Struct({ n: Schema.Number })
type Count = typeof Count.Type

const bump = (by: number) => (current: Count | undefined): Count => ({ n: (current?.n ?? 0) + by })

/** Two mirrors of one bucket, as two copies of supervision hold it, both loaded. */
const twoMirrors = (bucket: string) =>
  Effect.gen(function*() {
    const one = yield* openKvMirror({ bucket, schema: Count })
    const two = yield* openKvMirror({ bucket, schema: Count })
    yield* one.loaded
    yield* two.loaded
    return [one, two] as const
  })

layer(NatsTestServer.layerNats, { excludeTestServices: true })("a KV bucket held in memory", (it) => {
  it.effect("creates and updates a key by compare-and-set, and a second mirror sees every write", () =>
    Effect.gen(function*() {
      const [one, two] = yield* twoMirrors("wt-test-counts")
      assert.deepStrictEqual(yield* one.modify("demo.a", bump(1)), Option.some({ n: 1 }))
      assert.deepStrictEqual(yield* one.modify("demo.a", bump(1)), Option.some({ n: 2 }))
      yield* until(() => two.get("demo.a")?.n === 2, "the second mirror to see n = 2")
      // Leaving the value as it is writes nothing.
      assert.isTrue(Option.isNone(yield* one.modify("demo.a", (current) => current)))
    }))

  it.effect("two writers at once: neither write is lost, whichever lands first", () =>
    Effect.gen(function*() {
      const [one, two] = yield* twoMirrors("wt-test-race")
      yield* Effect.all([
        Effect.forEach(Array.from({ length: 20 }), () => one.modify("demo.b", bump(1)), { discard: true }),
        Effect.forEach(Array.from({ length: 20 }), () => two.modify("demo.b", bump(100)), { discard: true })
      ], { concurrency: 2 })
      yield* until(() => one.get("demo.b")?.n === 2020 && two.get("demo.b")?.n === 2020, "both mirrors at 20 + 20 × 100")
    }))

  it.effect("writes over a key that was deleted", () =>
    Effect.gen(function*() {
      const mirror = yield* openKvMirror({ bucket: "wt-test-deleted", schema: Count })
      yield* mirror.loaded
      yield* mirror.modify("demo.c", bump(5))
      const bucket = yield* Effect.orDie(Nats.use((nats) => nats.kv("wt-test-deleted")))
      yield* Effect.orDie(bucket.delete("demo.c"))
      yield* until(() => mirror.get("demo.c") === undefined, "the mirror to drop the deleted key")
      assert.deepStrictEqual(yield* mirror.modify("demo.c", bump(1)), Option.some({ n: 1 }))
      const stored = yield* Effect.orDie(bucket.get("demo.c"))
      assert.deepStrictEqual(Option.map(stored, (entry) => JSON.parse(new TextDecoder().decode(entry.value))), Option.some({ n: 1 }))
    }))
})
