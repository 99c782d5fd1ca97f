import { encodePng } from "./png.ts"
import { makeRaster, textHeight, textWidth } from "./raster.ts"
import type { Raster, Rgb } from "./raster.ts"

/** Latency histograms and time-series line charts as PNG, drawn without a canvas library. */

export interface Point {
  readonly x: number
  readonly y: number
}
export interface Series {
  readonly name: string
  readonly points: ReadonlyArray<Point>
}

const W = 880, H = 380
const Left = 80, Right = 24, Top = 56, Bottom = 56
const Ink: Rgb = [34, 34, 34]
const Axis: Rgb = [140, 140, 140]
const Grid: Rgb = [232, 232, 232]
const Palette: ReadonlyArray<Rgb> = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [255, 127, 14], [148, 103, 189], [140, 86, 75]]
const Good: Rgb = [44, 160, 44], Warn: Rgb = [255, 127, 14], Bad: Rgb = [214, 39, 40]

/** 12 500 → "12.5K", 0.25 → "0.25". */
export const tickLabel = (n: number): string => {
  const abs = Math.abs(n)
  if (abs >= 1e6) return `${Math.round(n / 1e5) / 10}M`
  if (abs >= 1e4) return `${Math.round(n / 100) / 10}K`
  if (abs >= 100) return `${Math.round(n)}`
  if (abs >= 1) return `${Math.round(n * 10) / 10}`
  return `${Math.round(n * 100) / 100}`
}

/** A round step so that about `count` ticks cover [0, max]. */
export const niceStep = (max: number, count: number): number => {
  const raw = Math.max(max, 1e-9) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const residual = raw / magnitude
  return (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude
}

const frame = (r: Raster, title: string, subtitle: string) => {
  r.text(Left, 14, title, Ink, 2)
  r.text(Left, 36, subtitle, Axis, 1)
}

const yAxis = (r: Raster, maxY: number, label: string): ((y: number) => number) => {
  const step = niceStep(maxY, 5)
  const top = Math.max(step, Math.ceil(maxY / step) * step)
  const sy = (y: number) => H - Bottom - (y / top) * (H - Top - Bottom)
  for (let v = 0; v <= top + step / 2; v += step) {
    r.line(Left, sy(v), W - Right, sy(v), Grid)
    const text = tickLabel(v)
    r.text(Left - 8 - textWidth(text), sy(v) - 3, text, Ink)
  }
  r.line(Left, Top, Left, H - Bottom, Axis)
  r.line(Left, H - Bottom, W - Right, H - Bottom, Axis)
  r.text(8, Top - 14, label, Axis)
  return sy
}

export const histogramPng = (
  title: string,
  samples: ReadonlyArray<number>,
  options: { readonly buckets?: ReadonlyArray<number>; readonly goodUpTo?: number; readonly warnUpTo?: number; readonly unit?: string } = {}
): Buffer => {
  const buckets = options.buckets ?? [5, 10, 25, 50, 100, 250, 500, 1000, 2500, Infinity]
  const unit = options.unit ?? "MS"
  const r = makeRaster(W, H)
  const sorted = [...samples].sort((a, b) => a - b)
  const pct = (p: number) => sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
  frame(r, title, sorted.length === 0
    ? "NO SAMPLES"
    : `${sorted.length} P1S · P50 ${tickLabel(pct(50)!)} ${unit} · P99 ${tickLabel(pct(99)!)} ${unit} · MAX ${tickLabel(sorted[sorted.length - 1]!)} ${unit}`)
  const counts = buckets.map(() => 0)
  for (const v of samples) counts[buckets.findIndex((b) => v <= b)]! += 1
  const sy = yAxis(r, Math.max(...counts, 1), "P1S")
  const slot = (W - Left - Right) / buckets.length
  counts.forEach((n, i) => {
    const bound = buckets[i]!
    const colour = bound <= (options.goodUpTo ?? 100) ? Good : bound <= (options.warnUpTo ?? 250) ? Warn : Bad
    const x = Left + i * slot + 6
    r.fillRect(x, sy(n), slot - 12, H - Bottom - sy(n), colour)
    const count = String(n)
    r.text(x + (slot - 12 - textWidth(count)) / 2, sy(n) - 11, count, Ink)
    const label = bound === Infinity ? `>${buckets[i - 1]}` : `≤${bound}`
    r.text(Left + i * slot + (slot - textWidth(label)) / 2, H - Bottom + 8, label, Ink)
  })
  const caption = `${unit} FROM INGEST ACCEPTED TO THE CONSOLE'S LIVE STREAM`
  r.text((W - textWidth(caption)) / 2, H - 22, caption, Axis)
  return encodePng(W, H, r.pixels)
}

export const lineChartPng = (title: string, xLabel: string, yLabel: string, series: ReadonlyArray<Series>, subtitle = ""): Buffer => {
  const r = makeRaster(W, H)
  frame(r, title, subtitle)
  const all = series.flatMap((s) => s.points)
  if (all.length === 0) {
    r.text(Left, H / 2, "NO SAMPLES", Axis, 2)
    return encodePng(W, H, r.pixels)
  }
  const sy = yAxis(r, Math.max(...all.map((p) => p.y)) * 1.05, yLabel)
  const xStep = niceStep(Math.max(...all.map((p) => p.x)), 8)
  const maxX = Math.max(xStep, Math.ceil(Math.max(...all.map((p) => p.x)) / xStep) * xStep)
  const sx = (x: number) => Left + (x / maxX) * (W - Left - Right)
  for (let v = 0; v <= maxX + xStep / 2; v += xStep) {
    const text = tickLabel(v)
    r.line(sx(v), H - Bottom, sx(v), H - Bottom + 4, Axis)
    r.text(sx(v) - textWidth(text) / 2, H - Bottom + 8, text, Ink)
  }
  r.text((W - textWidth(xLabel)) / 2, H - 22, xLabel, Axis)
  let legendX = W - Right
  series.forEach((s, i) => {
    const colour = Palette[i % Palette.length]!
    for (let j = 1; j < s.points.length; j++) {
      const a = s.points[j - 1]!, b = s.points[j]!
      r.line(sx(a.x), sy(a.y), sx(b.x), sy(b.y), colour, 2)
    }
    if (s.points.length === 1) r.fillRect(sx(s.points[0]!.x) - 2, sy(s.points[0]!.y) - 2, 5, 5, colour)
    legendX -= textWidth(s.name) + 22
    r.fillRect(legendX, 38, 10, 7 + 0 * textHeight(), colour)
    r.text(legendX + 14, 38, s.name, Ink)
  })
  return encodePng(W, H, r.pixels)
}
