import { useEffect, useState } from "preact/hooks"
import { api, ApiError, type Incident, type Resident, type ResidentPositions } from "./api.ts"
import { clock, num, osloDay } from "./format.ts"
import { t } from "./i18n.ts"
import { distanceM, extentOf, fitAspect, type LatLon, projectionAt, roundLengthM, tileCorner, tilesFor, tileUrl } from "./map-geometry.ts"
import { hasCoordinates } from "./coordinates.ts"

type TrackPoint = ResidentPositions["tracks"][number]["positions"][number]

const Width = 480
const Height = 320

/** The minutes of track the map asks for. */
export const TrackMinutes = 60

/** Whether a resident has anything the map can show: a tracker or a geofence. */
export const hasPlace = (resident: Resident) => resident.geofence !== undefined || resident.devices.some((d) => d.type === "gps")

const homeOf = (resident: Resident) => {
  const day = osloDay()
  const usable = resident.addresses.filter(hasCoordinates)
  // Where the person lives today: a temporary address valid today, else home.
  const temporary = usable.find((a) => a.kind === "temporary" && (a.validFrom ?? day) <= day && day <= (a.validTo ?? day))
  return temporary ?? usable.find((a) => a.kind === "home")
}

const ago = (at: string, now: number) => {
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000))
  return s < 120 ? `${num(s)} s` : `${num(Math.round(s / 60))} min`
}

/**
 * The person on a map: the recent track (each tracker's positions of the last hour, the newest
 * marked), the geofence and the home, with a scale bar and a north arrow. Drawn from the data
 * itself, so it works with no internet; under it the installation's own map tiles when it has a
 * tile server (WT_MAP_TILES_URL). Reading the positions is audited on the server, like the card.
 */
export const PositionMap = ({ resident, incident, now = Date.now() }: { readonly resident: Resident; readonly incident?: Incident; readonly now?: number }) => {
  const [data, setData] = useState<ResidentPositions | undefined>()
  const [error, setError] = useState<string | undefined>()
  // A GPS incident gains a signal when a new position joins it: read the track again then.
  const joined = incident?.deviceEventCount
  useEffect(() => {
    let alive = true
    api.positions(resident.id, incident?.incidentId, TrackMinutes).then(
      (d) => alive && setData(d),
      (e: unknown) => alive && setError(e instanceof ApiError || e instanceof Error ? e.message : String(e))
    )
    return () => { alive = false }
  }, [resident.id, incident?.incidentId, joined])

  const m = t().map
  const points: ReadonlyArray<TrackPoint> = (data?.tracks ?? []).flatMap((track) => track.positions).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  const last = points.at(-1)
  const home = homeOf(resident)
  const fence = resident.geofence
  const origin: LatLon | undefined = fence ?? (home === undefined ? undefined : { lat: home.lat, lon: home.lon }) ?? last
  const minutes = data?.minutes ?? TrackMinutes

  return (
    <figure class="position-map" data-testid="position-map" data-positions={points.length}>
      <figcaption>
        <strong>{m.title}</strong> · {m.caption(minutes)}
      </figcaption>
      {error !== undefined
        ? <p class="error" role="alert">{error}</p>
        : data === undefined
        ? <p class="muted">{m.loading}</p>
        : origin === undefined
        ? <p class="muted">{m.noPlace}</p>
        : <MapDrawing origin={origin} points={points} fence={fence} home={home} tiles={data.tiles} />}
      {data !== undefined
        ? (
          <p class="map-facts" data-testid="map-facts">
            {last === undefined
              ? <span>{m.noPositions(minutes)}</span>
              : (
                <>
                  <span data-testid="map-last">{m.lastAt(clock(last.at), ago(last.at, now))}</span>
                  {fence !== undefined
                    ? <span class={distanceM(last, fence) > fence.radiusM ? "outside" : "inside"} data-testid="map-fence-state">{distanceM(last, fence) > fence.radiusM ? m.outside : m.inside}</span>
                    : null}
                  {home !== undefined ? <span>{m.fromHome(distanceText(distanceM(last, home)))}</span> : null}
                  {last.accuracyM !== undefined ? <span>{m.accuracy(num(last.accuracyM))}</span> : null}
                  {last.sos === true ? <strong class="sos">{m.sos}</strong> : null}
                  <span class="muted">{m.positions(num(points.length))}</span>
                </>
              )}
            {(data.tracks ?? []).some((track) => track.truncated) ? <span class="muted">{m.truncated}</span> : null}
            <span class="muted">{data.tiles !== undefined ? m.tiles : m.drawn}</span>
          </p>
        )
        : null}
    </figure>
  )
}

const distanceText = (metres: number) => metres < 1000 ? t().map.metres(num(Math.round(metres))) : t().map.kilometres(num(metres / 1000, 1))

const MapDrawing = ({ origin, points, fence, home, tiles }: {
  readonly origin: LatLon
  readonly points: ReadonlyArray<TrackPoint>
  readonly fence: { readonly lat: number; readonly lon: number; readonly radiusM: number } | undefined
  readonly home: { readonly lat: number; readonly lon: number; readonly kind: string } | undefined
  readonly tiles: string | undefined
}) => {
  const m = t().map
  const projection = projectionAt(origin)
  const extent = fitAspect(extentOf(projection, [...points, ...(home === undefined ? [] : [home])], fence === undefined ? [] : [fence]), Width / Height)
  const scale = Width / (extent.maxX - extent.minX)
  const at = (p: LatLon) => {
    const { x, y } = projection.toXY(p)
    return { x: (x - extent.minX) * scale, y: Height - (y - extent.minY) * scale }
  }
  const bar = roundLengthM((extent.maxX - extent.minX) / 4)
  const track = points.map((p) => at(p))
  const last = points.at(-1)
  return (
    <svg class="map" viewBox={`0 0 ${Width} ${Height}`} role="img" aria-label={m.ariaLabel} data-testid="map-svg">
      <rect class="map-ground" x={0} y={0} width={Width} height={Height} />
      {tiles !== undefined
        ? tilesFor(projection, extent).map((tile) => {
          const nw = at(tileCorner(tile.x, tile.y, tile.z))
          const se = at(tileCorner(tile.x + 1, tile.y + 1, tile.z))
          return <image class="map-tile" href={tileUrl(tiles, tile)} x={nw.x} y={nw.y} width={se.x - nw.x} height={se.y - nw.y} preserveAspectRatio="none" />
        })
        : <MapGrid />}
      {fence !== undefined
        ? (
          <g data-testid="map-fence">
            <circle class="map-fence" cx={at(fence).x} cy={at(fence).y} r={fence.radiusM * scale} />
            <text class="map-label" x={at(fence).x} y={at(fence).y - fence.radiusM * scale - 4} text-anchor="middle">{m.fence(num(fence.radiusM))}</text>
          </g>
        )
        : null}
      {home !== undefined
        ? (
          <g data-testid="map-home" transform={`translate(${at(home).x} ${at(home).y})`}>
            <path class="map-home" d="M -8 2 L 0 -7 L 8 2 L 5 2 L 5 8 L -5 8 L -5 2 Z" />
            <text class="map-label" x={11} y={5}>{home.kind === "temporary" ? m.temporary : m.home}</text>
          </g>
        )
        : null}
      {track.length > 1 ? <polyline class="map-track" data-testid="map-track" points={track.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")} /> : null}
      {points.map((p, i) => <circle class={`map-point ${p.sos === true ? "sos" : ""}`} cx={track[i]!.x} cy={track[i]!.y} r={p.sos === true ? 4 : 2.5} />)}
      {last !== undefined
        ? (
          <g data-testid="map-last-marker" transform={`translate(${at(last).x} ${at(last).y})`}>
            {last.accuracyM !== undefined ? <circle class="map-accuracy" r={Math.max(4, last.accuracyM * scale)} /> : null}
            <circle class={`map-now ${last.sos === true ? "sos" : ""}`} r={7} />
            {/* On the right half the label reads leftwards, so it is not cut at the map's edge. */}
            {at(last).x > Width / 2
              ? <text class="map-label strong" x={-10} y={-8} text-anchor="end">{`${m.last} ${clock(last.at)}`}</text>
              : <text class="map-label strong" x={10} y={-8}>{`${m.last} ${clock(last.at)}`}</text>}
          </g>
        )
        : null}
      <g class="map-scale" data-testid="map-scale" transform={`translate(14 ${Height - 16})`}>
        <path d={`M 0 -5 L 0 0 L ${bar * scale} 0 L ${bar * scale} -5`} />
        <text x={(bar * scale) / 2} y={-8} text-anchor="middle">{bar >= 1000 ? m.kilometres(num(bar / 1000)) : m.metres(num(bar))}</text>
      </g>
      <g class="map-north" data-testid="map-north" transform={`translate(${Width - 22} 30)`}>
        <path d="M 0 -18 L 7 4 L 0 -1 L -7 4 Z" />
        <text x={0} y={18} text-anchor="middle">{m.north}</text>
      </g>
    </svg>
  )
}

/** Faint lines every tenth of the map: a sense of distance where there are no tiles. */
const MapGrid = () => (
  <g class="map-grid">
    {Array.from({ length: 9 }, (_, i) => <line x1={((i + 1) * Width) / 10} y1={0} x2={((i + 1) * Width) / 10} y2={Height} />)}
    {Array.from({ length: 5 }, (_, i) => <line x1={0} y1={((i + 1) * Height) / 6} x2={Width} y2={((i + 1) * Height) / 6} />)}
  </g>
)
