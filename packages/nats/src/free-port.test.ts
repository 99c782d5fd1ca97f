import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { distinctPorts, freePort } from "./embedded.ts"

/** A kernel that offers these ports in turn, then nothing. */
const offering = (ports: ReadonlyArray<number | undefined>) => {
  let next = 0
  return Effect.sync(() => ports[next++])
}

describe("free ports", () => {
  it.effect("a port the kernel offers again before it was bound is not handed out twice", () =>
    Effect.gen(function*() {
      const choose = distinctPorts(offering([40541, 40541, 40542]))
      assert.deepStrictEqual([yield* choose, yield* choose], [40541, 40542])
    }))

  it.effect("a port the kernel could not give is skipped; nothing new at all answers 0", () =>
    Effect.gen(function*() {
      const choose = distinctPorts(offering([undefined, 40600, 40600]))
      assert.strictEqual(yield* choose, 40600)
      assert.strictEqual(yield* choose, 0)
    }))

  it.effect("only the latest ports are remembered, so a long-lived process does not run out", () =>
    Effect.gen(function*() {
      const choose = distinctPorts(offering([1, 2, 3, 1]), 2)
      assert.deepStrictEqual([yield* choose, yield* choose, yield* choose, yield* choose], [1, 2, 3, 1])
    }))

  it.effect("the ports of one system, chosen before any is bound, are all different", () =>
    Effect.gen(function*() {
      const ports = yield* Effect.forEach(Array.from({ length: 40 }, () => 0), () => freePort)
      assert.strictEqual(new Set(ports).size, 40)
      assert.isTrue(ports.every((p) => p > 0))
    }))
})
