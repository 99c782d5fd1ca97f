import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { distanceM, extentOf, fitAspect, projectionAt, roundLengthM, tileCorner, tilesFor, tileUrl } from "../src/map-geometry.ts"

// Norway, roughly: where the map is used.
const origin = fc.record({ lat: fc.double({ min: 57.9, max: 71.1, noNaN: true }), lon: fc.double({ min: 4.5, max: 31, noNaN: true }) })
/** A point within a few kilometres: the scale of a neighbourhood. */
const near = (o: { lat: number; lon: number }) =>
  fc.record({ dLat: fc.double({ min: -0.03, max: 0.03, noNaN: true }), dLon: fc.double({ min: -0.06, max: 0.06, noNaN: true }) })
    .map(({ dLat, dLon }) => ({ lat: o.lat + dLat, lon: o.lon + dLon }))

describe("the position map's geometry", () => {
  it("the local projection keeps distances within 0.5 % of the great circle at neighbourhood scale", () => {
    fc.assert(fc.property(origin.chain((o) => fc.tuple(fc.constant(o), near(o), near(o))), ([o, a, b]) => {
      const p = projectionAt(o)
      const pa = p.toXY(a)
      const pb = p.toXY(b)
      const flat = Math.hypot(pa.x - pb.x, pa.y - pb.y)
      const ground = distanceM(a, b)
      expect(Math.abs(flat - ground)).toBeLessThanOrEqual(0.005 * ground + 0.01)
    }), { numRuns: 500 })
  })

  it("north is up and east is right, and a point projected and back is the same point", () => {
    const p = projectionAt({ lat: 63.43, lon: 10.39 })
    expect(p.toXY({ lat: 63.44, lon: 10.39 }).y).toBeGreaterThan(0)
    expect(p.toXY({ lat: 63.43, lon: 10.40 }).x).toBeGreaterThan(0)
    fc.assert(fc.property(near({ lat: 63.43, lon: 10.39 }), (q) => {
      const { x, y } = p.toXY(q)
      const back = p.toLatLon(x, y)
      expect(back.lat).toBeCloseTo(q.lat, 9)
      expect(back.lon).toBeCloseTo(q.lon, 9)
    }))
  })

  it("the extent holds every point and the whole geofence, with a margin, and is never smaller than 200 m", () => {
    fc.assert(fc.property(origin.chain((o) => fc.tuple(fc.constant(o), fc.array(near(o), { maxLength: 40 }), fc.integer({ min: 50, max: 3000 }))), ([o, points, radiusM]) => {
      const p = projectionAt(o)
      const e = fitAspect(extentOf(p, points, [{ ...o, radiusM }]), 1.5)
      for (const q of points) {
        const { x, y } = p.toXY(q)
        expect(x).toBeGreaterThan(e.minX)
        expect(x).toBeLessThan(e.maxX)
        expect(y).toBeGreaterThan(e.minY)
        expect(y).toBeLessThan(e.maxY)
      }
      expect(e.minX).toBeLessThan(-radiusM)
      expect(e.maxX).toBeGreaterThan(radiusM)
      expect(e.minY).toBeLessThan(-radiusM)
      expect(e.maxY).toBeGreaterThan(radiusM)
      expect((e.maxX - e.minX) / (e.maxY - e.minY)).toBeCloseTo(1.5, 6)
      expect(e.maxX - e.minX).toBeGreaterThanOrEqual(200)
    }), { numRuns: 300 })
  })

  it("the scale bar is the longest round length (1, 2 or 5 × 10ⁿ m) that fits", () => {
    expect([roundLengthM(1), roundLengthM(9), roundLengthM(240), roundLengthM(499), roundLengthM(500), roundLengthM(1999), roundLengthM(7300)]).toEqual([1, 5, 200, 200, 500, 1000, 5000])
    fc.assert(fc.property(fc.double({ min: 1, max: 1e7, noNaN: true }), (max) => {
      const len = roundLengthM(max)
      expect(len).toBeLessThanOrEqual(max)
      expect(len * 2.5).toBeGreaterThan(max)
      expect(String(len)).toMatch(/^[125]0*$/u)
    }))
  })

  it("tiles cover the extent in a handful, and their corners are where the slippy-map scheme puts them", () => {
    expect(tileCorner(0, 0, 0).lon).toBe(-180)
    expect(tileCorner(0, 0, 0).lat).toBeCloseTo(85.0511, 3)
    expect(tileCorner(1, 1, 1)).toEqual({ lat: 0, lon: 0 })
    const o = { lat: 63.43, lon: 10.39 }
    const p = projectionAt(o)
    const e = fitAspect(extentOf(p, [], [{ ...o, radiusM: 500 }]), 1.5)
    const tiles = tilesFor(p, e)
    expect(tiles.length).toBeGreaterThan(0)
    expect(tiles.length).toBeLessThanOrEqual(16)
    const z = tiles[0]!.z
    expect(z).toBeGreaterThanOrEqual(12)
    // Together the tiles reach past every corner of the extent.
    const nw = p.toLatLon(e.minX, e.maxY)
    const se = p.toLatLon(e.maxX, e.minY)
    const west = Math.min(...tiles.map((t) => tileCorner(t.x, t.y, z).lon))
    const east = Math.max(...tiles.map((t) => tileCorner(t.x + 1, t.y + 1, z).lon))
    const north = Math.max(...tiles.map((t) => tileCorner(t.x, t.y, z).lat))
    const south = Math.min(...tiles.map((t) => tileCorner(t.x + 1, t.y + 1, z).lat))
    expect(west).toBeLessThanOrEqual(nw.lon)
    expect(east).toBeGreaterThanOrEqual(se.lon)
    expect(north).toBeGreaterThanOrEqual(nw.lat)
    expect(south).toBeLessThanOrEqual(se.lat)
    expect(tileUrl("https://tiles.example.no/{z}/{x}/{y}.png", { z: 14, x: 8664, y: 4327 })).toBe("https://tiles.example.no/14/8664/4327.png")
  })
})
