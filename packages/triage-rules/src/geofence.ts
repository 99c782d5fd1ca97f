import type { Geofence } from "./context.ts"

const EarthRadiusM = 6_371_008.8

/** Great-circle distance in metres (haversine). */
export const distanceM = (a: { readonly lat: number; readonly lon: number }, b: { readonly lat: number; readonly lon: number }): number => {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EarthRadiusM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Outside when the distance from the fence's centre exceeds its radius; on the line is inside. */
export const isOutsideGeofence = (position: { readonly lat: number; readonly lon: number }, fence: Geofence): boolean =>
  distanceM(position, fence) > fence.radiusM
