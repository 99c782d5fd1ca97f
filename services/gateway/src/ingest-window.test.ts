import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Fiber, Layer } from "effect"
import { IngestWindow } from "./ingest-window.ts"

const WindowOfTwo = IngestWindow.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ WT_INGEST_BULK_IN_FLIGHT: "2" }))))

describe("IngestWindow", () => {
  it.live("lets no more bulk publishes be in flight than the window, and starts the next as one finishes", () =>
    Effect.gen(function*() {
      const window = yield* IngestWindow
      const release = yield* Deferred.make<void>()
      let running = 0
      let most = 0
      const publish = Effect.gen(function*() {
        running++
        most = Math.max(most, running)
        yield* Deferred.await(release)
        running--
      })
      const all = yield* Effect.forkChild(Effect.forEach(Array.from({ length: 5 }), () => window.bulk(1, publish), { concurrency: "unbounded" }))
      yield* Effect.yieldNow
      yield* Effect.sleep("20 millis")
      assert.strictEqual(running, 2, "two in flight, three waiting")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(all)
      assert.strictEqual(most, 2)
      assert.strictEqual(running, 0)
    }).pipe(Effect.provide(WindowOfTwo)))

  it.live("gives a batch larger than the window the whole window rather than never running it", () =>
    Effect.gen(function*() {
      const window = yield* IngestWindow
      assert.strictEqual(yield* window.bulk(1000, Effect.succeed("published")), "published")
      assert.strictEqual(yield* window.bulk(0, Effect.succeed("nothing to wait for")), "nothing to wait for")
    }).pipe(Effect.provide(WindowOfTwo)))
})
