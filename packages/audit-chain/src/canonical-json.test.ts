import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { canonicalJson } from "./canonical-json.ts"

describe("canonical JSON", () => {
  it("sorts keys at every depth and leaves out whitespace and undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" }, u: undefined })).toBe(
      `{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}`
    )
  })

  it("orders keys by UTF-16 code units, as RFC 8785 does", () => {
    expect(canonicalJson({ "é": 1, "z": 2, "A": 3, "\u{1F600}": 4 })).toBe(`{"A":3,"z":2,"é":1,"\u{1F600}":4}`)
  })

  it("writes numbers in ECMAScript form", () => {
    expect(canonicalJson([1.0, -0, 1e21, 0.000001, 123.456])).toBe("[1,0,1e+21,0.000001,123.456]")
  })

  it("refuses what JSON cannot carry", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError)
    expect(() => canonicalJson(10n)).toThrow(TypeError)
  })

  const Json = Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Finite, Schema.Boolean, Schema.Null, Schema.Array(Schema.String)]))

  it.prop("does not depend on key order, and parses back to the same value", [Json], ([value]) => {
    const reversed = Object.fromEntries(Object.entries(value).reverse())
    expect(canonicalJson(reversed)).toBe(canonicalJson(value))
    expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value))
  })
})
