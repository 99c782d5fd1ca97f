import { glyph, GlyphHeight, GlyphWidth } from "./font.ts"

export type Rgb = readonly [number, number, number]

/** A white RGB canvas with the few drawing operations charts need. */
export interface Raster {
  readonly width: number
  readonly height: number
  readonly pixels: Uint8Array
  readonly fillRect: (x: number, y: number, w: number, h: number, colour: Rgb) => void
  readonly line: (x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness?: number) => void
  /** Text with its top-left corner at (x, y); `scale` pixels per font pixel. */
  readonly text: (x: number, y: number, text: string, colour: Rgb, scale?: number) => void
}

export const textWidth = (text: string, scale = 1): number => text.length === 0 ? 0 : (text.length * (GlyphWidth + 1) - 1) * scale
export const textHeight = (scale = 1): number => GlyphHeight * scale

export const makeRaster = (width: number, height: number): Raster => {
  const pixels = new Uint8Array(width * height * 3).fill(255)
  const set = (x: number, y: number, [r, g, b]: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return
    const i = (y * width + x) * 3
    pixels[i] = r
    pixels[i + 1] = g
    pixels[i + 2] = b
  }
  const fillRect = (x: number, y: number, w: number, h: number, colour: Rgb) => {
    const x0 = Math.round(x), y0 = Math.round(y), x1 = Math.round(x + w), y1 = Math.round(y + h)
    for (let yy = Math.max(0, y0); yy < Math.min(height, y1); yy++) for (let xx = Math.max(0, x0); xx < Math.min(width, x1); xx++) set(xx, yy, colour)
  }
  const line = (x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1) => {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))))
    const half = Math.floor(thickness / 2)
    for (let i = 0; i <= steps; i++) {
      const x = Math.round(x0 + ((x1 - x0) * i) / steps), y = Math.round(y0 + ((y1 - y0) * i) / steps)
      for (let dy = -half; dy < thickness - half; dy++) for (let dx = -half; dx < thickness - half; dx++) set(x + dx, y + dy, colour)
    }
  }
  const text = (x: number, y: number, value: string, colour: Rgb, scale = 1) => {
    let cx = Math.round(x)
    for (const ch of value) {
      const rows = glyph(ch)
      if (rows !== undefined) {
        rows.forEach((row, ry) => row.forEach((on, rx) => {
          if (on) fillRect(cx + rx * scale, Math.round(y) + ry * scale, scale, scale, colour)
        }))
      }
      cx += (GlyphWidth + 1) * scale
    }
  }
  return { width, height, pixels, fillRect, line, text }
}
