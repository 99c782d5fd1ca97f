import { inflateSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { histogramPng, lineChartPng, niceStep } from "./chart-png.ts"
import { crc32, encodePng } from "./png.ts"

/** Reads a PNG back: every chunk's CRC checked, IDAT inflated, the filter-0 scanlines unpacked. */
const decodePng = (png: Buffer) => {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  let offset = 8
  const chunks: Array<{ type: string; data: Buffer }> = []
  while (offset < png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString("latin1", offset + 4, offset + 8)
    const data = png.subarray(offset + 8, offset + 8 + length)
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)))
    chunks.push({ type, data })
    offset += 12 + length
  }
  expect(chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"])
  const ihdr = chunks[0]!.data
  const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4)
  expect([ihdr[8], ihdr[9]]).toEqual([8, 2])
  const raw = inflateSync(chunks[1]!.data)
  expect(raw.length).toBe((width * 3 + 1) * height)
  const rgb = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0)
    raw.copy(rgb, y * width * 3, y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1))
  }
  return { width, height, rgb }
}

describe("PNG charts", () => {
  it("CRC-32 is the PNG/zlib one (check value of \"123456789\")", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926)
  })

  it("any RGB image survives encoding: same size, same pixels", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (width, height, seed) => {
        const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31 + seed) & 0xff)
        const back = decodePng(encodePng(width, height, rgb))
        expect([back.width, back.height]).toEqual([width, height])
        expect([...back.rgb]).toEqual([...rgb])
      }),
      { numRuns: 50 }
    )
  })

  it("a latency histogram is a readable picture: bars in the colour of their bucket", () => {
    const { height, rgb, width } = decodePng(histogramPng("P1 LATENCY", [3, 4, 40, 60, 300, 300, 3000]))
    const colours = new Set<string>()
    for (let i = 0; i < width * height * 3; i += 3) colours.add(`${rgb[i]},${rgb[i + 1]},${rgb[i + 2]}`)
    // green (≤ 100 ms), red (> 250 ms), white background, dark text
    expect(colours).toContain("44,160,44")
    expect(colours).toContain("214,39,40")
    expect(colours).toContain("255,255,255")
    expect(colours).toContain("34,34,34")
  })

  it("a line chart draws each series in its own colour, and an empty one says so instead of failing", () => {
    const { rgb } = decodePng(lineChartPng("T", "X", "Y", [{ name: "A", points: [{ x: 0, y: 1 }, { x: 10, y: 5 }] }]))
    expect(rgb.some((_, i) => i % 3 === 0 && rgb[i] === 31 && rgb[i + 1] === 119 && rgb[i + 2] === 180)).toBe(true)
    expect(decodePng(lineChartPng("T", "X", "Y", [])).width).toBe(880)
  })

  it("axis steps are 1, 2 or 5 times a power of ten and cover the range in a handful of ticks", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e7, noNaN: true }), (max) => {
        const step = niceStep(max, 5)
        const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9)
        expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true)
        expect(Math.ceil(max / step)).toBeLessThanOrEqual(10)
      })
    )
  })
})
