import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { MrqFrameSplitter, type FrameItem } from "./frames.ts"

/** fast-check properties through vitest (the root fast-check, not @effect/vitest's Schema-first `it.prop`). */
const prop = <T extends Array<unknown>>(name: string, arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, body: (args: T) => void, numRuns = 200) =>
  it(name, () => {
    fc.assert(fc.property(...(arbs as unknown as [fc.Arbitrary<unknown>]), (...args: Array<unknown>) => body(args as T)), { numRuns })
  })


const enc = (text: string) => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const framesOf = (items: ReadonlyArray<FrameItem>) => items.flatMap((i) => (i.kind === "frame" ? [dec(i.bytes)] : []))

const a = "<mrq><ref>1</ref><cid>1</cid><dty>3</dty></mrq>"
const b = "\r\n<?xml version=\"1.0\"?><MRQ><ref>2</ref><cid>1</cid><dty>3</dty></MRQ>"

describe("SCAIP TCP frame splitter", () => {
  it("splits back-to-back documents on the closing </mrq> tag, in any case", () => {
    const splitter = new MrqFrameSplitter()
    expect(framesOf(splitter.push(enc(a + b)))).toEqual([a, b])
    expect(splitter.pending).toBe(0)
  })

  prop("gives the same frames however the stream is cut into chunks", [fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 20 })], ([cuts]) => {
    const stream = enc(a + b + a)
    const splitter = new MrqFrameSplitter()
    const out: Array<string> = []
    let at = 0
    for (const cut of cuts) {
      out.push(...framesOf(splitter.push(stream.subarray(at, Math.min(stream.length, at + cut)))))
      at = Math.min(stream.length, at + cut)
    }
    out.push(...framesOf(splitter.push(stream.subarray(at))))
    expect(out).toEqual([a, b, a])
  })

  it("reports an oversized document once, skips to its end and goes on with the next", () => {
    const splitter = new MrqFrameSplitter(256)
    const huge = `<mrq><ite>${"x".repeat(1000)}</ite></mrq>`
    const items = [...splitter.push(enc(huge.slice(0, 400))), ...splitter.push(enc(huge.slice(400) + a))]
    expect(items.map((i) => i.kind)).toEqual(["oversized", "frame"])
    expect(items[0]?.kind === "oversized" && items[0].prefix.length).toBe(256)
    expect(framesOf(items)).toEqual([a])
  })

  it("never holds more than the cap plus a partial closing tag, whatever arrives", () => {
    const splitter = new MrqFrameSplitter(512)
    for (let i = 0; i < 100; i++) {
      splitter.push(enc("y".repeat(997)))
      expect(splitter.pending).toBeLessThanOrEqual(512)
    }
  })

  it("hands over an unfinished document at the end of the stream, and nothing for trailing whitespace", () => {
    const splitter = new MrqFrameSplitter()
    splitter.push(enc(a + "\r\n"))
    expect(splitter.end()).toEqual([])
    splitter.push(enc("<mrq><ref>9"))
    expect(framesOf(splitter.end())).toEqual(["<mrq><ref>9"])
  })
})
