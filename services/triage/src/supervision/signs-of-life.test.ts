import { describe, expect, it } from "@effect/vitest"
import { latestPerKey } from "./signs-of-life.ts"

describe("signs of life waiting for KV", () => {
  it("a sign of life taken for writing stays readable until it is written, and a newer one kept meanwhile wins", () => {
    const seen = latestPerKey<number>((next, current) => next > current)
    seen.keep("demo.alarm-1", 100)
    seen.keep("demo.alarm-1", 90)
    seen.keep("demo.alarm-2", 50)
    expect(seen.peek("demo.alarm-1")).toBe(100)

    const batch = seen.take()
    expect([...batch]).toEqual([["demo.alarm-1", 100], ["demo.alarm-2", 50]])
    // Being written: neither in the buffer nor in KV yet, and still known.
    expect(seen.peek("demo.alarm-1")).toBe(100)
    seen.keep("demo.alarm-2", 70)
    expect(seen.peek("demo.alarm-2")).toBe(70)

    seen.written()
    expect(seen.peek("demo.alarm-1")).toBeUndefined()
    expect(seen.peek("demo.alarm-2")).toBe(70)
    expect([...seen.take()]).toEqual([["demo.alarm-2", 70]])
  })
})
