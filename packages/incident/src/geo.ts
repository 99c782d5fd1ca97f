/** Mean Earth radius (m) used by the haversine distance. */
const EarthRadiusM = 6_371_008.8

const rad = (deg: number) => (deg * Math.PI) / 180

/** Great-circle distance in metres between two WGS-84 points (haversine). */
export const distanceM = (a: { readonly lat: number; readonly lon: number }, b: { readonly lat: number; readonly lon: number }): number => {
  const dLat = rad(b.lat - a.lat)
  const dLon = rad(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * EarthRadiusM * Math.asin(Math.min(1, Math.sqrt(h)))
}
