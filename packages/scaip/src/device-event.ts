import { DeviceEvent } from "@wt/contracts"
import { Result, Schema, SchemaIssue } from "effect"
import { DeviceTypes, LocationCodes, StatusCodes, StatusNumbers } from "./code-tables.ts"
import type { MessageRequest, ScaipRefusal } from "./message-request.ts"
import { readStatus, ScaipStatusMapVersion } from "./status-map.ts"

/** The registered device a request came from, as the receiver found it (by `scaipDeviceKey`) in the registry. */
export interface ScaipDevice {
  readonly tenant: string
  readonly deviceId: string
}

/**
 * How the registry knows a SCAIP device: the controller id, and the device id behind the controller
 * when the unit names one ("<cid>/<did>"). A receiver looks up the most specific key first.
 */
export const scaipDeviceKeys = (request: MessageRequest): ReadonlyArray<string> =>
  request.did === undefined ? [request.cid] : [`${request.cid}/${request.did}`, request.cid]

// FNV-1a, 32 bits: a short, stable digest of the fields that tell one request from another.
const fnv1a = (text: string): string => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, "0")
}

/**
 * The event id of a request: its controller, its reference, its message type and a digest of what it
 * says. A retransmission (SS 91100 §4.2: the sender resends the same request every 5-20 s while it
 * has no answer, or after "hold") has the same id, so WT_DEVICE's de-duplication collapses it; an
 * information update (IN) or a reset (RE) under the same reference is a new event. Fits EventId:
 * "scaip-" + ≤32 digits + ≤16 letters/digits + 2 + 8 hex characters ≤ 67.
 */
export const scaipEventId = (request: MessageRequest): string => {
  const said = [request.did, request.dty, request.dco, request.stc, request.lco, request.lva, request.lge?.geo, request.lge?.tim, request.lge?.gga, request.ico, request.pri, request.ame, request.stt, request.lte, request.ite]
    .map((v) => v ?? "")
    .join("\u0001")
  return `scaip-${request.cid}-${request.ref}-${request.mty.toLowerCase()}-${fnv1a(said)}`
}

const DeviceTimeWindow = { pastMs: 24 * 60 * 60 * 1000, futureMs: 5 * 60 * 1000 }

/** `<tim>` is ISO 8601 with the zone as hours ("2014-03-15T12:00:00+01"); full forms are accepted too. */
export const parseDeviceTime = (tim: string): number | undefined => {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}(?::?\d{2})?)$/u.exec(tim)
  if (m === null) return undefined
  const zone = m[2] === "Z" ? "Z" : `${m[2]!.slice(0, 3)}:${m[2]!.length > 3 ? m[2]!.slice(-2) : "00"}`
  const ms = Date.parse(`${m[1]}${zone}`)
  return Number.isFinite(ms) ? ms : undefined
}

/** `<geo>` is "lat,lon" in WGS-84 degrees (RFC 5870's coordinates). */
export const parseGeo = (geo: string): { readonly lat: number; readonly lon: number } | undefined => {
  const m = /^(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$/u.exec(geo)
  if (m === null) return undefined
  const lat = Number(m[1])
  const lon = Number(m[2])
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : undefined
}

const validate = Schema.decodeUnknownResult(DeviceEvent)
const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * The canonical event for a request from a registered device. `raw` is the request's text as
 * received (kept as `source.raw`, ≤ 8192 characters). The event is checked against `DeviceEvent`,
 * and the object returned is the one built here, not the decoded copy: decoding strips payload
 * fields the contract does not name, and the SCAIP codes ride in those.
 */
export const scaipDeviceEvent = (
  request: MessageRequest,
  device: ScaipDevice,
  receivedAtMs: number,
  raw?: string
): Result.Result<DeviceEvent, ScaipRefusal> => {
  const reading = readStatus(request.mty, request.dty, request.stc)
  const deviceTimeMs = request.lge?.tim === undefined ? undefined : parseDeviceTime(request.lge.tim)
  const trustDeviceTime =
    deviceTimeMs !== undefined && deviceTimeMs >= receivedAtMs - DeviceTimeWindow.pastMs && deviceTimeMs <= receivedAtMs + DeviceTimeWindow.futureMs
  const occurredAt = new Date(trustDeviceTime ? deviceTimeMs : receivedAtMs).toISOString()
  const position = request.lge?.geo === undefined ? undefined : parseGeo(request.lge.geo)
  const placement = request.lte ?? (request.lco === undefined ? undefined : LocationCodes[request.lco])

  const scaip = {
    scaipMessageType: request.mty,
    scaipDeviceType: request.dty,
    scaipDeviceTypeMeaning: DeviceTypes[request.dty]?.meaning ?? "not in SS 91100 Annex A",
    scaipStatus: request.stc ?? "omitted",
    scaipStatusMeaning: request.stc === undefined ? "alarm (status omitted)" : (StatusCodes[request.stc]?.meaning ?? "not in SS 91100 Annex C"),
    scaipPriority: request.pri,
    scaipMap: ScaipStatusMapVersion,
    scaipRule: reading.rule,
    unmapped: reading.unmapped,
    ...(request.did !== undefined && { scaipDeviceId: request.did }),
    ...(request.dco !== undefined && { scaipComponent: request.dco }),
    ...(request.lco !== undefined && { scaipLocation: request.lco }),
    ...(request.mty === "IN" && { update: true }),
    ...(request.mty === "RE" && { sessionReset: true }),
    ...(request.lge?.tim !== undefined && !trustDeviceTime && { deviceTime: request.lge.tim }),
    ...(position !== undefined && { positionLat: position.lat, positionLon: position.lon })
  }

  const outcome = reading.outcome
  const typed =
    outcome.type === "tracker_sos"
      ? position === undefined
        ? { type: "safety_alarm" as const, payload: { trigger: "button" as const, cause: "tracker alarm without position", ...scaip } }
        : { type: "gps" as const, payload: { lat: position.lat, lon: position.lon, sos: true, ...scaip } }
      : outcome.type === "sensor" && placement !== undefined
        ? { type: outcome.type, payload: { placement, ...outcome.payload, ...scaip } }
        : { type: outcome.type, payload: { ...outcome.payload, ...scaip } }

  const event = {
    id: scaipEventId(request),
    tenant: device.tenant,
    deviceId: device.deviceId,
    occurredAt,
    source: { via: "scaip" as const, ...(raw !== undefined && { raw: raw.slice(0, 8192) }) },
    ...typed
  }
  const checked = validate(event)
  if (Result.isFailure(checked)) {
    return Result.fail({ kind: "invalid_event", reason: `event does not fit wt.device-event/v1: ${formatIssue(checked.failure.issue)}`, snu: StatusNumbers.undefinedError, ref: request.ref })
  }
  return Result.succeed(event as DeviceEvent)
}
