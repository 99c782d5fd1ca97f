// The geometry of the position map, drawn from the data alone: a local flat projection around the
// place shown (metres east and north of its centre), the extent that holds everything, a scale bar
// of a round length, and, when the installation has a tile server, which Web-Mercator tiles cover it.
// At the scale of a neighbourhood (a few km) the flat projection differs from the ground by far less
// than a GPS fix's own error.

export interface LatLon {
  readonly lat: number
  readonly lon: number
}

/** Mean Earth radius (IUGG), metres. */
const EarthRadiusM = 6_371_008.8
const rad = (deg: number) => (deg * Math.PI) / 180

/** Great-circle distance in metres (haversine). */
export const distanceM = (a: LatLon, b: LatLon) => {
  const dLat = rad(b.lat - a.lat)
  const dLon = rad(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * EarthRadiusM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Metres east (x) and north (y) of `origin`: an equirectangular projection scaled at the origin's latitude. */
export interface Projection {
  readonly origin: LatLon
  readonly toXY: (p: LatLon) => { readonly x: number; readonly y: number }
  readonly toLatLon: (x: number, y: number) => LatLon
}

export const projectionAt = (origin: LatLon): Projection => {
  const mPerDegLat = (Math.PI / 180) * EarthRadiusM
  const mPerDegLon = mPerDegLat * Math.cos(rad(origin.lat))
  return {
    origin,
    toXY: (p) => ({ x: (p.lon - origin.lon) * mPerDegLon, y: (p.lat - origin.lat) * mPerDegLat }),
    toLatLon: (x, y) => ({ lat: origin.lat + y / mPerDegLat, lon: origin.lon + x / mPerDegLon })
  }
}

/** A circle on the ground: the geofence. */
export interface Circle extends LatLon {
  readonly radiusM: number
}

/** The extent, in projected metres, that holds every point and circle with a margin, never smaller than `minSpanM` across. */
export interface Extent {
  readonly minX: number
  readonly maxX: number
  readonly minY: number
  readonly maxY: number
}

export const extentOf = (projection: Projection, points: ReadonlyArray<LatLon>, circles: ReadonlyArray<Circle>, options: { readonly margin?: number; readonly minSpanM?: number } = {}): Extent => {
  const margin = options.margin ?? 0.12
  const minSpan = options.minSpanM ?? 200
  const xs: Array<number> = []
  const ys: Array<number> = []
  for (const p of points) {
    const { x, y } = projection.toXY(p)
    xs.push(x)
    ys.push(y)
  }
  for (const c of circles) {
    const { x, y } = projection.toXY(c)
    xs.push(x - c.radiusM, x + c.radiusM)
    ys.push(y - c.radiusM, y + c.radiusM)
  }
  if (xs.length === 0) return { minX: -minSpan / 2, maxX: minSpan / 2, minY: -minSpan / 2, maxY: minSpan / 2 }
  let minX = Math.min(...xs)
  let maxX = Math.max(...xs)
  let minY = Math.min(...ys)
  let maxY = Math.max(...ys)
  const grow = (lo: number, hi: number): [number, number] => {
    const span = Math.max(hi - lo, minSpan)
    const mid = (lo + hi) / 2
    const half = (span * (1 + 2 * margin)) / 2
    return [mid - half, mid + half]
  }
  ;[minX, maxX] = grow(minX, maxX)
  ;[minY, maxY] = grow(minY, maxY)
  return { minX, maxX, minY, maxY }
}

/** The extent widened (about its centre) to the given width:height, so that metres are square on screen. */
export const fitAspect = (e: Extent, aspect: number): Extent => {
  const w = e.maxX - e.minX
  const h = e.maxY - e.minY
  const cx = (e.minX + e.maxX) / 2
  const cy = (e.minY + e.maxY) / 2
  if (w / h > aspect) {
    const half = w / aspect / 2
    return { ...e, minY: cy - half, maxY: cy + half }
  }
  const half = (h * aspect) / 2
  return { ...e, minX: cx - half, maxX: cx + half }
}

/** The longest round length (1, 2 or 5 × 10ⁿ metres) not longer than `maxM`: the scale bar's. */
export const roundLengthM = (maxM: number) => {
  if (!(maxM >= 1)) return 1
  let power = 10 ** Math.floor(Math.log10(maxM))
  // log10 rounds up just below a power of ten (log10(9999999.99999999) is 7).
  if (power > maxM) power /= 10
  for (const step of [5, 2, 1]) if (step * power <= maxM) return step * power
  return power
}

/** A Web-Mercator tile (the slippy-map scheme tile servers use). */
export interface Tile {
  readonly z: number
  readonly x: number
  readonly y: number
}

const tileX = (lon: number, z: number) => ((lon + 180) / 360) * 2 ** z
const tileY = (lat: number, z: number) => ((1 - Math.log(Math.tan(rad(lat)) + 1 / Math.cos(rad(lat))) / Math.PI) / 2) * 2 ** z

/** The north-west corner of a tile. */
export const tileCorner = (x: number, y: number, z: number): LatLon => {
  const n = Math.PI - (2 * Math.PI * y) / 2 ** z
  return { lat: (180 / Math.PI) * Math.atan(Math.sinh(n)), lon: (x / 2 ** z) * 360 - 180 }
}

/**
 * The tiles that cover the extent, at the zoom where a tile is about half the extent's width
 * (so a handful are fetched), at most `maxTiles`.
 */
export const tilesFor = (projection: Projection, e: Extent, maxTiles = 16): ReadonlyArray<Tile> => {
  const widthM = e.maxX - e.minX
  const metresPerTileAtZ0 = 2 * Math.PI * EarthRadiusM * Math.cos(rad(projection.origin.lat))
  let z = Math.max(2, Math.min(19, Math.round(Math.log2(metresPerTileAtZ0 / (widthM / 2)))))
  const nw = projection.toLatLon(e.minX, e.maxY)
  const se = projection.toLatLon(e.maxX, e.minY)
  for (; z >= 2; z--) {
    const x0 = Math.floor(tileX(nw.lon, z))
    const x1 = Math.floor(tileX(se.lon, z))
    const y0 = Math.floor(tileY(nw.lat, z))
    const y1 = Math.floor(tileY(se.lat, z))
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > maxTiles) continue
    const tiles: Array<Tile> = []
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) tiles.push({ z, x, y })
    return tiles
  }
  return []
}

/** A tile's URL from the installation's template (`{z}/{x}/{y}`). */
export const tileUrl = (template: string, tile: Tile) =>
  template.replace("{z}", String(tile.z)).replace("{x}", String(tile.x)).replace("{y}", String(tile.y))
