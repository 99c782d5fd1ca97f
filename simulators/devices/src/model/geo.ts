import type { SimResident } from "../fleet.ts"

const MetresPerDegree = 111_320
// Fjordvik town centre (the fictional demo municipality), for a resident with no known home.
const DefaultCentre = { lat: 69.148, lon: 17.412 }
const DefaultRadiusM = 500

export interface Home {
  readonly lat: number
  readonly lon: number
  /** The geofence radius, or a default one for residents without a geofence. */
  readonly radiusM: number
}

export const homeOf = (resident: SimResident): Home => {
  const home = resident.geofence ?? resident.addresses?.[0] ?? DefaultCentre
  return { lat: home.lat, lon: home.lon, radiusM: resident.geofence?.radiusM ?? DefaultRadiusM }
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits

/** The position `north`/`east` metres from home, as a tracker reports it (6 decimals, about 0.1 m). */
export const offsetPosition = (home: Home, north: number, east: number): { readonly lat: number; readonly lon: number } => {
  const lat = Math.max(-89.9, Math.min(89.9, home.lat + north / MetresPerDegree))
  const lonRaw = home.lon + east / (MetresPerDegree * Math.cos((lat * Math.PI) / 180))
  return { lat: round(lat, 6), lon: round(((((lonRaw + 180) % 360) + 360) % 360) - 180, 6) }
}

/** Great-circle distance in metres (haversine); what a geofence check computes. */
export const distanceM = (a: { readonly lat: number; readonly lon: number }, b: { readonly lat: number; readonly lon: number }): number => {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)))
}
