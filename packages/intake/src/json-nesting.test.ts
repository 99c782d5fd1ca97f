import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { findTooDeep, MaxJsonDepth } from "./json-nesting.ts"

/** Nesting depth of a parsed JSON value, walked without recursion. */
const depthOf = (value: unknown): number => {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, d] = stack.pop()!
    if (v === null || typeof v !== "object") continue
    max = Math.max(max, d + 1)
    for (const item of Object.values(v as object)) stack.push([item, d + 1])
  }
  return max
}

describe("JSON nesting limit", () => {
  it("finds the 50,000 nested brackets of the finding, and nested objects, at the level after the limit", () => {
    expect(findTooDeep("[".repeat(50_000) + "]".repeat(50_000))).toEqual({ depth: MaxJsonDepth + 1, at: MaxJsonDepth })
    const objects = '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000)
    expect(findTooDeep(objects)?.depth).toBe(MaxJsonDepth + 1)
    expect(findTooDeep(new TextEncoder().encode(objects))?.depth).toBe(MaxJsonDepth + 1)
  })

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ note: "[".repeat(100) + '\\"' + "{".repeat(100), list: [1, [2, [3]]] })
    expect(findTooDeep(text)).toBeUndefined()
    expect(findTooDeep(text, 2)?.depth).toBe(3)
  })

  it("agrees with the parsed value's depth for any JSON, as text and as UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, limit) => {
        const text = JSON.stringify(value)
        const deep = depthOf(value) > limit
        expect(findTooDeep(text, limit) !== undefined).toBe(deep)
        expect(findTooDeep(new TextEncoder().encode(text), limit) !== undefined).toBe(deep)
      }),
      { numRuns: 500 }
    )
  })

  it("never throws on arbitrary text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
      findTooDeep(text, 3)
    }))
  })
})
