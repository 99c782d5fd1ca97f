import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { frameOf, makeFrameSplitter, MaxFrameBytes, type SplitItem } from "./index.ts"

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))
const text = (b: Uint8Array) => String.fromCharCode(...b)
const frameA = frameOf(`"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]`).text
const frameB = frameOf(`"NULL"0002L0#1234[]`).text

const show = (items: ReadonlyArray<SplitItem>) =>
  items.map((i) => (i._tag === "Frame" ? `frame:${text(i.bytes)}` : `${i.reason}:${i.length}:${text(i.sample)}`))

const splitWhole = (input: Uint8Array, options?: Parameters<typeof makeFrameSplitter>[0]) => {
  const s = makeFrameSplitter(options)
  return show([...s.push(input), ...s.end()])
}

const splitAt = (input: Uint8Array, cuts: ReadonlyArray<number>, options?: Parameters<typeof makeFrameSplitter>[0]) => {
  const s = makeFrameSplitter(options)
  const out: Array<SplitItem> = []
  let from = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...s.push(input.subarray(from, Math.max(from, cut))))
    from = Math.max(from, cut)
  }
  out.push(...s.push(input.subarray(from)), ...s.end())
  return show(out)
}

describe("TCP frame splitter", () => {
  it("finds frames sent byte by byte", () => {
    const s = makeFrameSplitter()
    const out = [...bytes(frameA)].flatMap((b) => s.push(Uint8Array.of(b)))
    expect(show(out)).toEqual([`frame:${frameA}`])
  })

  it("finds several frames in one chunk and reports the garbage between them", () => {
    expect(splitWhole(bytes(`${frameA}\0\0${frameB}xyz`))).toEqual([`frame:${frameA}`, "garbage:2:\0\0", `frame:${frameB}`, "garbage:3:xyz"])
  })

  it("a frame cut by a new <LF> is reported as interrupted and the new frame is read", () => {
    expect(splitWhole(bytes(`\nABC${frameB}`))).toEqual(["interrupted:4:\nABC", `frame:${frameB}`])
  })

  it("a frame open at the end of the stream is reported as truncated", () => {
    expect(splitWhole(bytes(frameA.slice(0, 20)))).toEqual([`truncated:20:${frameA.slice(0, 20)}`])
  })

  it("a frame longer than the protocol allows is dropped with its length and first bytes; buffering stays bounded", () => {
    const s = makeFrameSplitter({ maxSampleBytes: 8 })
    const long = `\n${"A".repeat(MaxFrameBytes * 3)}\r`
    let peak = 0
    const out: Array<SplitItem> = []
    for (let i = 0; i < long.length; i += 1000) {
      out.push(...s.push(bytes(long.slice(i, i + 1000))))
      peak = Math.max(peak, s.buffered())
    }
    out.push(...s.push(bytes(frameB)))
    expect(show(out)).toEqual([`oversized:${long.length}:\nAAAAAAA`, `frame:${frameB}`])
    expect(peak).toBeLessThanOrEqual(MaxFrameBytes + 8)
  })

  it("a frame of exactly the largest size passes", () => {
    const largest = frameOf(`"SIA-DCS"0001L0#1234[#1234|A${"x".repeat(0xfff - 29)}]`).text
    expect(largest.length).toBe(MaxFrameBytes)
    expect(splitWhole(bytes(largest))).toEqual([`frame:${largest}`])
  })

  it("gives the same items however the stream is cut", () => {
    fc.assert(fc.property(
      fc.array(
        fc.oneof(
          fc.constantFrom(frameA, frameB, "\n", "\r", "\0", "\r\n"),
          fc.string({ maxLength: 40 }),
          fc.integer({ min: 1, max: 300 }).map((n) => `\n${"Z".repeat(n)}\r`)
        ),
        { maxLength: 30 }
      ),
      fc.array(fc.nat({ max: 3000 }), { maxLength: 20 }),
      fc.integer({ min: 2, max: 200 }),
      (parts, cuts, maxFrameBytes) => {
      const input = bytes(parts.join("").replace(/[^\x00-\xff]/gu, "?"))
      const options = { maxFrameBytes, maxSampleBytes: 16 }
      expect(splitAt(input, cuts, options)).toEqual(splitWhole(input, options))
      expect(splitAt(input, cuts)).toEqual(splitWhole(input))
    }), { numRuns: 500 })
  })

  it("every byte comes out exactly once, in a frame or counted in a discarded run", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 2, max: 64 }), (input, maxFrameBytes) => {
      const s = makeFrameSplitter({ maxFrameBytes })
      const items = [...s.push(input), ...s.end()]
      const total = items.reduce((n, i) => n + (i._tag === "Frame" ? i.bytes.length : i.length), 0)
      expect(total).toBe(input.length)
      for (const i of items) if (i._tag === "Frame") expect(i.bytes.length).toBeLessThanOrEqual(maxFrameBytes)
    }), { numRuns: 500 })
  })
})
