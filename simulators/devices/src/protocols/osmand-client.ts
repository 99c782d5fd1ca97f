/**
 * A simulated GPS tracker speaking the OsmAnd protocol as the Traccar Client apps do. Its own code:
 * it shares nothing with @wt/osmand's reader, so a round trip between them tests both.
 *
 * - `queryRequest`: the classic form, `GET /?id=…&timestamp=<unix s>&lat=…&lon=…&speed=<knots>&bearing=…
 *   &altitude=…&accuracy=…&batt=<percent>[&alarm=sos]`, as the Android client's ProtocolFormatter builds it
 *   (speed is Android's m/s × 1.943844, i.e. knots);
 * - `jsonRequest`: the newer client's POST body (Content-Type application/json) with `device_id` and a
 *   `location` whose `coords.speed` is m/s and `battery.level` is 0-1, -1 meaning unknown.
 */

export interface TrackerFix {
  readonly deviceId: string
  readonly epochMs: number
  readonly lat: number
  readonly lon: number
  readonly speedMps?: number
  readonly bearing?: number
  readonly altitudeM?: number
  readonly accuracyM?: number
  readonly batteryPct?: number
  readonly alarm?: string
  readonly charging?: boolean
  readonly moving?: boolean
  readonly uuid?: string
}

export interface TrackerRequest {
  readonly method: "GET" | "POST"
  readonly url: string
  readonly contentType?: string
  readonly body: string
}

const MpsToKnots = 1.943844

/** The query-string form; `timestampStyle` picks what different clients send for the time. */
export const queryRequest = (fix: TrackerFix, timestampStyle: "seconds" | "millis" | "iso" = "seconds"): TrackerRequest => {
  const params = new URLSearchParams()
  params.set("id", fix.deviceId)
  params.set(
    "timestamp",
    timestampStyle === "seconds" ? String(Math.floor(fix.epochMs / 1000)) : timestampStyle === "millis" ? String(fix.epochMs) : new Date(fix.epochMs).toISOString()
  )
  params.set("lat", String(fix.lat))
  params.set("lon", String(fix.lon))
  if (fix.speedMps !== undefined) params.set("speed", String(fix.speedMps * MpsToKnots))
  if (fix.bearing !== undefined) params.set("bearing", String(fix.bearing))
  if (fix.altitudeM !== undefined) params.set("altitude", String(fix.altitudeM))
  if (fix.accuracyM !== undefined) params.set("accuracy", String(fix.accuracyM))
  if (fix.batteryPct !== undefined) params.set("batt", String(fix.batteryPct))
  if (fix.charging !== undefined) params.set("charge", String(fix.charging))
  if (fix.alarm !== undefined) params.set("alarm", fix.alarm)
  return { method: "GET", url: `/?${params.toString()}`, body: "" }
}

/** The JSON form of the newer Traccar Client. */
export const jsonRequest = (fix: TrackerFix): TrackerRequest => {
  const location: Record<string, unknown> = {
    timestamp: new Date(fix.epochMs).toISOString(),
    coords: {
      latitude: fix.lat,
      longitude: fix.lon,
      accuracy: fix.accuracyM ?? -1,
      speed: fix.speedMps ?? -1,
      heading: fix.bearing ?? -1,
      altitude: fix.altitudeM ?? 0
    },
    is_moving: fix.moving ?? false,
    odometer: 0,
    event: "motionchange",
    battery: { level: fix.batteryPct === undefined ? -1 : fix.batteryPct / 100, is_charging: fix.charging ?? false },
    activity: { type: "still" },
    extras: {}
  }
  if (fix.uuid !== undefined) location["uuid"] = fix.uuid
  if (fix.alarm !== undefined) location["alarm"] = fix.alarm
  return { method: "POST", url: "/", contentType: "application/json", body: JSON.stringify({ location, device_id: fix.deviceId }) }
}

/** The Traccar Client's rule: only 200 lets it drop the position; anything else is retried in 30 s. */
export const clientDropsPosition = (status: number): boolean => status === 200

/**
 * A report without a fix: the tracker is alive, or raises one of its device alarms, but has no
 * position. The report then has no lat and lon (query string, time in milliseconds) or no `coords`
 * (JSON body), which Traccar reads as a status report.
 */
export const noFixRequest = (report: Omit<TrackerFix, "lat" | "lon">, form: "query" | "json"): TrackerRequest => {
  if (form === "query") {
    const params = new URLSearchParams(queryRequest({ ...report, lat: 0, lon: 0 }, "millis").url.slice(2))
    params.delete("lat")
    params.delete("lon")
    return { method: "GET", url: `/?${params.toString()}`, body: "" }
  }
  // The JSON client has no fix when it sends no `coords` at all.
  const request = jsonRequest({ ...report, lat: 0, lon: 0 })
  const body = JSON.parse(request.body) as { location: Record<string, unknown> }
  delete body.location["coords"]
  return { ...request, body: JSON.stringify(body) }
}
