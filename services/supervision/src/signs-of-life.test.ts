import { describe, expect, it } from "@effect/vitest"
import { latestPerKey } from "./signs-of-life.ts"

describe("signs of life waiting for KV", () => {
  it("a sign of life stays readable until it is written, and a newer one kept meanwhile is not forgotten with it", () => {
    const seen = latestPerKey<number>((next, current) => next > current)
    seen.keep("demo.alarm-1", 100)
    seen.keep("demo.alarm-1", 90)
    seen.keep("demo.alarm-2", 50)
    expect(seen.peek("demo.alarm-1")).toBe(100)

    const flush = [...seen.waiting()]
    expect(flush).toEqual([["demo.alarm-1", 100], ["demo.alarm-2", 50]])
    // Being written: not in KV yet, and still known.
    expect(seen.peek("demo.alarm-1")).toBe(100)
    seen.keep("demo.alarm-2", 70)
    expect(seen.peek("demo.alarm-2")).toBe(70)

    for (const [key, value] of flush) seen.written(key, value)
    expect(seen.peek("demo.alarm-1")).toBeUndefined()
    expect(seen.peek("demo.alarm-2")).toBe(70)
    expect([...seen.waiting()]).toEqual([["demo.alarm-2", 70]])
  })

  it("a flush takes what was waiting when it began; what arrives during it waits for the next", () => {
    const seen = latestPerKey<number>((next, current) => next > current)
    seen.keep("demo.alarm-1", 1)
    seen.keep("demo.alarm-2", 2)
    const taken: Array<string> = []
    for (const [key, value] of seen.waiting()) {
      taken.push(key)
      seen.written(key, value)
      // Devices heard from while the flush runs, faster than it writes.
      seen.keep(`demo.gps-${taken.length}`, 10)
    }
    expect(taken).toEqual(["demo.alarm-1", "demo.alarm-2"])
    expect([...seen.waiting()].map(([key]) => key)).toEqual(["demo.gps-1", "demo.gps-2"])
  })

  it("a sign of life whose write failed is written by the next flush", () => {
    const seen = latestPerKey<number>((next, current) => next > current)
    seen.keep("demo.alarm-1", 100)
    expect([...seen.waiting()]).toEqual([["demo.alarm-1", 100]])
    // The write failed: nothing marks it written.
    expect([...seen.waiting()]).toEqual([["demo.alarm-1", 100]])
    expect(seen.peek("demo.alarm-1")).toBe(100)
  })
})
