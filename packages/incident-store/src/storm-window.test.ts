import { assert, describe, it } from "@effect/vitest"
import { evictBefore } from "./index.ts"

describe("a storm's window of recent losses", () => {
  it("drops what was seen before the cutoff and keeps the rest, in the order seen", () => {
    const window = new Map([["a", { at: 1 }], ["b", { at: 5 }], ["c", { at: 9 }], ["d", { at: 12 }]])
    evictBefore(window, 9)
    assert.deepStrictEqual([...window.keys()], ["c", "d"])
    evictBefore(window, 100)
    assert.strictEqual(window.size, 0)
  })

  it("stops at the first loss still in the window, not looking further", () => {
    let looked = 0
    const entry = (at: number) => ({ get at() { looked++; return at } })
    const window = new Map(Array.from({ length: 10_000 }, (_, i) => [`dev-${i}`, entry(i)] as const))
    evictBefore(window, 3)
    assert.strictEqual(window.size, 9_997)
    assert.strictEqual(looked, 4)
  })
})
