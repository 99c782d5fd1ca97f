import { Result } from "effect"

/**
 * One position report in the OsmAnd protocol as the Traccar server reads it (OsmAndProtocolDecoder):
 *
 * - the query-string form, `GET|POST /?id=…&lat=…&lon=…&timestamp=…&speed=…` (parameters in the URL,
 *   or, when the URL has none, in a form-encoded body). Sent by the OsmAnd app's online tracking, the
 *   classic Traccar Client apps and many trackers. `speed` is in KNOTS: the Traccar Client multiplies
 *   Android's m/s by 1.943844 before sending, and the server reads it as knots;
 * - the JSON form of the newer Traccar Client (Content-Type `application/json`):
 *   `{device_id, location: {timestamp, coords: {latitude, longitude, speed (m/s), heading, accuracy,
 *   altitude}, battery: {level (0-1), is_charging}, is_moving, event, odometer, uuid, activity, alarm, extras}}`,
 *   where -1 means "unknown" for speed, heading, accuracy and battery level.
 */
export interface OsmAndReport {
  readonly form: "query" | "json"
  /** The device's OsmAnd identifier (the registry's `osmand.id`). */
  readonly deviceId: string
  /** When the position was taken; absent when the device sent no time (the receiver's time stands in). */
  readonly timestampMs?: number
  readonly position?: { readonly lat: number; readonly lon: number }
  readonly speedMps?: number
  readonly bearing?: number
  readonly altitude?: number
  readonly accuracyM?: number
  readonly hdop?: number
  readonly batteryPct?: number
  readonly charging?: boolean
  /** Traccar's alarm names: "sos", "fallDown", "lowBattery", "powerCut" … */
  readonly alarm?: string
  /** The JSON client's event: "motionchange", "heartbeat", "geofence" … */
  readonly event?: string
  readonly moving?: boolean
  /** The JSON client's own id for this location (a UUID); the best identity a report can have. */
  readonly uuid?: string
  readonly mock?: boolean
  /** `valid=false`: the device says this is not a fresh fix (often its last known position). */
  readonly validFix?: boolean
  /** Optional values that were present but unusable, dropped rather than losing the position. */
  readonly warnings: ReadonlyArray<string>
}

export type OsmAndRefusalKind =
  | "too_large"
  | "malformed"
  | "missing_device_id"
  | "invalid_device_id"
  | "invalid_position"
  | "invalid_time"
  | "conflicting_field"

export interface OsmAndRefusal {
  readonly kind: OsmAndRefusalKind
  readonly reason: string
  /** The device id, when one could be read: the receiver still knows whom the refusal is about. */
  readonly deviceId?: string
}

/** What the HTTP edge hands over: the request line's target, the content type and the body. */
export interface OsmAndRequest {
  /** Path and query as sent, e.g. "/?id=123&lat=…". */
  readonly url: string
  readonly contentType?: string
  readonly body: Uint8Array
}

export const OsmAndLimits = { maxUrlBytes: 4096, maxBodyBytes: 16384, maxDeviceIdLength: 64 }

/** Traccar reads numbers below 2^31 - 1 as Unix seconds, larger ones as milliseconds. */
const SecondsLimit = 2_147_483_647
/** Positions may be buffered on the phone for days, but none were taken before 2000, nor in the future. */
const EarliestMs = Date.UTC(2000, 0, 1)
const FutureToleranceMs = 10 * 60 * 1000
export const KnotsPerMps = 1.943844

/**
 * Traccar alarm names that mean a person is in danger (versioned with the alarm table in
 * device-events.ts). When a report names several alarms, one of these wins, so an SOS is never
 * hidden behind a low battery sent in the same request.
 */
export const CareAlarms: ReadonlySet<string> = new Set(["sos", "general", "falldown", "fall", "accident", "panic"])

const decisiveAlarm = (values: ReadonlyArray<string | undefined>): string | undefined => {
  const named = values.filter((v): v is string => v !== undefined)
  return named.find((v) => CareAlarms.has(v.toLowerCase())) ?? named.at(-1)
}

type Fail = { readonly kind: OsmAndRefusalKind; readonly reason: string }
const refuse = (kind: OsmAndRefusalKind, reason: string, deviceId?: string): Result.Result<never, OsmAndRefusal> =>
  Result.fail(deviceId === undefined ? { kind, reason } : { kind, reason, deviceId })

/** Splits "a=1&b=2" as an HTML form does ("+" is a space); undefined for broken %-escapes. */
export const parseQuery = (query: string): Map<string, Array<string>> | undefined => {
  const params = new Map<string, Array<string>>()
  if (query === "") return params
  for (const pair of query.split("&")) {
    if (pair === "") continue
    const eq = pair.indexOf("=")
    const rawKey = eq < 0 ? pair : pair.slice(0, eq)
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1)
    let key: string
    let value: string
    try {
      key = decodeURIComponent(rawKey.replaceAll("+", " "))
      value = decodeURIComponent(rawValue.replaceAll("+", " "))
    } catch {
      return undefined
    }
    const values = params.get(key)
    if (values === undefined) params.set(key, [value])
    else values.push(value)
  }
  return params
}

/** Time as Traccar reads it: Unix seconds or milliseconds, ISO 8601, or "yyyy-MM-dd HH:mm:ss" (read as UTC here). */
export const parseTimestamp = (value: string): number | undefined => {
  const text = value.trim()
  if (/^[0-9]{1,16}$/u.test(text)) {
    const n = Number(text)
    return n < SecondsLimit ? n * 1000 : n
  }
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})?$/u.exec(text)
  if (iso === null) return undefined
  const zone = iso[3] === undefined ? "Z" : iso[3].length === 5 ? `${iso[3].slice(0, 3)}:${iso[3].slice(3)}` : iso[3]
  const ms = Date.parse(`${iso[1]}T${iso[2]}${zone}`)
  return Number.isFinite(ms) ? ms : undefined
}

const finite = (value: unknown): number | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined
  if (typeof value !== "string" || value.trim() === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/u.test(value.trim())) return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

const PrintableId = /^[\x21-\x7e]{1,64}$/u

const checkDeviceId = (raw: unknown): Result.Result<string, OsmAndRefusal> => {
  if (raw === undefined || raw === null || raw === "") return refuse("missing_device_id", "no device id (`id`, `deviceid` or `device_id`)")
  const id = typeof raw === "number" && Number.isSafeInteger(raw) ? String(raw) : typeof raw === "string" ? raw.trim() : undefined
  if (id === undefined || !PrintableId.test(id)) return refuse("invalid_device_id", "the device id must be 1-64 printable ASCII characters without spaces")
  return Result.succeed(id)
}

const checkTime = (ms: number | undefined, raw: string, nowMs: number, deviceId: string): Result.Result<number, OsmAndRefusal> => {
  if (ms === undefined) return refuse("invalid_time", "timestamp is not Unix seconds, milliseconds or an ISO 8601 time", deviceId)
  if (ms < EarliestMs || ms > nowMs + FutureToleranceMs) {
    return refuse("invalid_time", `timestamp ${raw.slice(0, 40)} is before 2000 or more than 10 minutes ahead of the receiver`, deviceId)
  }
  return Result.succeed(ms)
}

const checkPosition = (lat: number | undefined, lon: number | undefined, rawLat: unknown, rawLon: unknown, deviceId: string) => {
  if (rawLat === undefined && rawLon === undefined) return Result.succeed(undefined)
  if (lat === undefined || lon === undefined) {
    return refuse("invalid_position", "latitude and longitude must both be finite numbers", deviceId)
  }
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return refuse("invalid_position", "latitude must be within ±90 and longitude within ±180", deviceId)
  // Traccar reads 0,0 as "no fix" (it falls back to the last position): nobody is tracked at Null Island.
  if (lat === 0 && lon === 0) return Result.succeed(undefined)
  return Result.succeed({ lat, lon })
}

/** A percentage 0-100; outside that it is dropped with a warning (some units send volts). */
const percent = (value: number | undefined, raw: unknown, warnings: Array<string>): number | undefined => {
  if (value === undefined) {
    if (raw !== undefined && raw !== null) warnings.push("battery level is not a number; dropped")
    return undefined
  }
  if (value < 0 || value > 100) {
    warnings.push(`battery level ${value} is not a percentage; dropped`)
    return undefined
  }
  return value
}

const optionalNumber = (name: string, raw: unknown, warnings: Array<string>, { min, unknownBelowZero = false }: { min?: number; unknownBelowZero?: boolean } = {}) => {
  if (raw === undefined || raw === null) return undefined
  const value = finite(raw)
  if (value === undefined) {
    warnings.push(`${name} is not a number; dropped`)
    return undefined
  }
  if (unknownBelowZero && value < 0) return undefined
  if (min !== undefined && value < min) {
    warnings.push(`${name} ${value} is below ${min}; dropped`)
    return undefined
  }
  return value
}

const shortText = (raw: unknown): string | undefined => (typeof raw === "string" && raw.trim() !== "" ? raw.trim().slice(0, 64) : undefined)

const fromQuery = (params: Map<string, Array<string>>, nowMs: number): Result.Result<OsmAndReport, OsmAndRefusal> => {
  const one = (...names: Array<string>): Result.Result<string | undefined, Fail> => {
    const values = names.flatMap((n) => params.get(n) ?? [])
    if (values.length === 0) return Result.succeed(undefined)
    if (new Set(values).size > 1) return Result.fail({ kind: "conflicting_field", reason: `${names.join("/")} given twice with different values` })
    return Result.succeed(values[0])
  }
  const fields = {
    id: one("id", "deviceid"),
    lat: one("lat"),
    lon: one("lon"),
    location: one("location"),
    timestamp: one("timestamp")
  }
  for (const field of Object.values(fields)) if (Result.isFailure(field)) return Result.fail(field.failure)
  const get = (r: Result.Result<string | undefined, Fail>) => (Result.isSuccess(r) ? r.success : undefined)

  const id = checkDeviceId(get(fields.id))
  if (Result.isFailure(id)) return Result.fail(id.failure)
  const deviceId = id.success
  const last = (name: string): string | undefined => params.get(name)?.at(-1)

  let rawLat: string | undefined = get(fields.lat)
  let rawLon: string | undefined = get(fields.lon)
  const location = get(fields.location)
  if (rawLat === undefined && rawLon === undefined && location !== undefined) {
    const parts = location.split(",")
    if (parts.length !== 2) return refuse("invalid_position", "location must be \"lat,lon\"", deviceId)
    rawLat = parts[0]
    rawLon = parts[1]
  }
  const position = checkPosition(finite(rawLat), finite(rawLon), rawLat, rawLon, deviceId)
  if (Result.isFailure(position)) return Result.fail(position.failure)

  const rawTime = get(fields.timestamp)
  let timestampMs: number | undefined
  if (rawTime !== undefined) {
    const time = checkTime(parseTimestamp(rawTime), rawTime, nowMs, deviceId)
    if (Result.isFailure(time)) return Result.fail(time.failure)
    timestampMs = time.success
  }

  const warnings: Array<string> = []
  const knots = optionalNumber("speed", last("speed"), warnings, { unknownBelowZero: true })
  const bearing = optionalNumber("bearing", last("bearing") ?? last("heading"), warnings, { unknownBelowZero: true })
  const altitude = optionalNumber("altitude", last("altitude"), warnings)
  const accuracyM = optionalNumber("accuracy", last("accuracy"), warnings, { min: 0 })
  const hdop = optionalNumber("hdop", last("hdop"), warnings, { min: 0 })
  const rawBattery = last("batt")
  const batteryPct = percent(finite(rawBattery), rawBattery, warnings)
  const alarm = decisiveAlarm((params.get("alarm") ?? []).map(shortText))
  const charge = last("charge")
  const valid = last("valid")
  const mock = last("mock")
  return Result.succeed({
    form: "query",
    deviceId,
    ...(timestampMs !== undefined && { timestampMs }),
    ...(position.success !== undefined && { position: position.success }),
    ...(knots !== undefined && { speedMps: knots / KnotsPerMps }),
    ...(bearing !== undefined && { bearing }),
    ...(altitude !== undefined && { altitude }),
    ...(accuracyM !== undefined && accuracyM > 0 && { accuracyM }),
    ...(hdop !== undefined && { hdop }),
    ...(batteryPct !== undefined && { batteryPct }),
    ...(charge !== undefined && { charging: charge === "true" }),
    ...(alarm !== undefined && { alarm }),
    ...(mock !== undefined && { mock: mock === "true" }),
    ...(valid !== undefined && { validFix: valid === "true" || valid === "1" }),
    warnings
  })
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

const fromJson = (root: unknown, nowMs: number): Result.Result<OsmAndReport, OsmAndRefusal> => {
  if (!isObject(root)) return refuse("malformed", "the JSON body is not an object")
  const id = checkDeviceId(root["device_id"])
  if (Result.isFailure(id)) return Result.fail(id.failure)
  const deviceId = id.success
  const location = root["location"]
  if (!isObject(location)) return refuse("malformed", "`location` is missing or not an object", deviceId)

  const rawTime = location["timestamp"]
  let timestampMs: number | undefined
  if (rawTime !== undefined) {
    const text = typeof rawTime === "string" ? rawTime : typeof rawTime === "number" ? String(rawTime) : ""
    const time = checkTime(parseTimestamp(text), text, nowMs, deviceId)
    if (Result.isFailure(time)) return Result.fail(time.failure)
    timestampMs = time.success
  }

  const warnings: Array<string> = []
  const coords = location["coords"]
  let position: { readonly lat: number; readonly lon: number } | undefined
  let speedMps: number | undefined
  let bearing: number | undefined
  let accuracyM: number | undefined
  let altitude: number | undefined
  if (coords !== undefined) {
    if (!isObject(coords)) return refuse("invalid_position", "`coords` is not an object", deviceId)
    const rawLat = coords["latitude"]
    const rawLon = coords["longitude"]
    const checked = checkPosition(typeof rawLat === "number" ? finite(rawLat) : undefined, typeof rawLon === "number" ? finite(rawLon) : undefined, rawLat ?? null, rawLon ?? null, deviceId)
    if (Result.isFailure(checked)) return Result.fail(checked.failure)
    position = checked.success
    speedMps = optionalNumber("speed", coords["speed"], warnings, { unknownBelowZero: true })
    bearing = optionalNumber("heading", coords["heading"], warnings, { unknownBelowZero: true })
    accuracyM = optionalNumber("accuracy", coords["accuracy"], warnings, { unknownBelowZero: true })
    altitude = optionalNumber("altitude", coords["altitude"], warnings)
  }

  let batteryPct: number | undefined
  let charging: boolean | undefined
  const battery = location["battery"]
  if (isObject(battery)) {
    const level = optionalNumber("battery level", battery["level"], warnings, { unknownBelowZero: true })
    batteryPct = level === undefined ? undefined : percent(Math.round(level * 1000) / 10, level, warnings)
    if (typeof battery["is_charging"] === "boolean") charging = battery["is_charging"]
  }
  const extras = location["extras"]
  const alarm = decisiveAlarm([isObject(extras) ? shortText(extras["alarm"]) : undefined, shortText(location["alarm"])])
  const event = shortText(location["event"])
  const uuid = typeof location["uuid"] === "string" && /^[A-Za-z0-9-]{8,64}$/u.test(location["uuid"]) ? location["uuid"] : undefined
  return Result.succeed({
    form: "json",
    deviceId,
    ...(timestampMs !== undefined && { timestampMs }),
    ...(position !== undefined && { position }),
    ...(speedMps !== undefined && { speedMps }),
    ...(bearing !== undefined && { bearing }),
    ...(altitude !== undefined && { altitude }),
    ...(accuracyM !== undefined && accuracyM > 0 && { accuracyM }),
    ...(batteryPct !== undefined && { batteryPct }),
    ...(charging !== undefined && { charging }),
    ...(alarm !== undefined && { alarm }),
    ...(event !== undefined && { event }),
    ...(typeof location["is_moving"] === "boolean" && { moving: location["is_moving"] }),
    ...(uuid !== undefined && { uuid }),
    ...(typeof location["mock"] === "boolean" && { mock: location["mock"] }),
    warnings
  })
}

const utf8 = new TextDecoder("utf-8", { fatal: true })
const decode = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Reads one OsmAnd request. As Traccar: JSON when the Content-Type says so, else the URL's query
 * string, else (no parameters in the URL) a form-encoded body. Any input gives a typed result.
 */
export const parseOsmAndRequest = (request: OsmAndRequest, nowMs: number): Result.Result<OsmAndReport, OsmAndRefusal> => {
  if (request.url.length > OsmAndLimits.maxUrlBytes) return refuse("too_large", `URL longer than ${OsmAndLimits.maxUrlBytes} characters`)
  if (request.body.length > OsmAndLimits.maxBodyBytes) return refuse("too_large", `body larger than ${OsmAndLimits.maxBodyBytes} bytes`)
  const contentType = request.contentType?.toLowerCase() ?? ""
  if (contentType.startsWith("application/json")) {
    const text = decode(request.body)
    if (text === undefined) return refuse("malformed", "the body is not UTF-8")
    let root: unknown
    try {
      root = JSON.parse(text)
    } catch {
      return refuse("malformed", "the body is not JSON")
    }
    return fromJson(root, nowMs)
  }
  const q = request.url.indexOf("?")
  let params = parseQuery(q < 0 ? "" : request.url.slice(q + 1).split("#")[0]!)
  if (params === undefined) return refuse("malformed", "broken %-escape in the query string")
  if (params.size === 0 && request.body.length > 0) {
    const text = decode(request.body)
    if (text === undefined) return refuse("malformed", "the body is not UTF-8")
    params = parseQuery(text.trim())
    if (params === undefined) return refuse("malformed", "broken %-escape in the form body")
  }
  return fromQuery(params, nowMs)
}
