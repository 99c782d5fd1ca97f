import { DeviceEvent } from "@wt/contracts"
import { Result, Schema, SchemaIssue } from "effect"
import { CareAlarms, type OsmAndRefusal, type OsmAndReport } from "./report.ts"

/** The registered device a report came from, found by its OsmAnd id (`report.deviceId`). */
export interface OsmAndDevice {
  readonly tenant: string
  readonly deviceId: string
}

/**
 * Traccar's alarm names (Position.ALARM_*) as the response centre reads them, versioned like any code
 * table. A person in danger rides the alarm lane as `sos: true`; faults of the tracker become a
 * technical event beside the position; the rest (geofence, overspeed …) stay on the position as
 * `alarm`, since triage judges geofences itself.
 */
export const OsmAndAlarmMapVersion = "osmand-alarms-2026.12.1"
const TechnicalAlarms: Readonly<Record<string, "low_battery" | "power_lost" | "power_restored" | "radio_jamming" | "tamper">> = {
  lowbattery: "low_battery",
  lowpower: "low_battery",
  powercut: "power_lost",
  poweroff: "power_lost",
  powerrestored: "power_restored",
  poweron: "power_restored",
  jamming: "radio_jamming",
  tampering: "tamper",
  removing: "tamper"
}

// FNV-1a, 32 bits, for short stable digests inside event ids.
const fnv1a = (text: string): string => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, "0")
}

/**
 * A report's event id: the device, the time the position was taken and the position (or the JSON
 * client's own location uuid). A client that did not hear our answer sends the same report again
 * (the Traccar Client retries its oldest buffered position every 30 s), and that resend collapses
 * in WT_DEVICE's de-duplication. A report without a time cannot be told from the next one by
 * content; it is keyed to the receiver's second, so only a resend within that second collapses.
 */
export const osmandEventId = (report: OsmAndReport, receivedAtMs: number): string => {
  const device = fnv1a(report.deviceId)
  if (report.uuid !== undefined) return `osmand-${device}-${report.uuid}`
  const at = report.timestampMs ?? Math.floor(receivedAtMs / 1000) * 1000
  const where = report.position === undefined ? "nofix" : `${report.position.lat.toFixed(7)},${report.position.lon.toFixed(7)}`
  return `osmand-${device}-${at}-${fnv1a(`${report.deviceId}|${where}|${report.alarm ?? ""}`)}`
}

const validate = Schema.decodeUnknownResult(DeviceEvent)
const formatIssue = SchemaIssue.makeFormatterDefault()

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

/**
 * The canonical events of one report from a registered device:
 * - a position: a `gps` event (`sos: true` for a person's alarm, which puts it on the alarm lane);
 * - a care alarm without a position: a `safety_alarm` (button), so it is not lost for want of a fix;
 * - no position and no alarm: a `technical` heartbeat (the tracker is alive; battery kept);
 * - a tracker fault (low battery, power cut, jamming, removal): a `technical` event as well.
 * Each event is checked against `DeviceEvent`; the objects returned are the ones built here, with
 * the OsmAnd fields the contract does not name (decoding would strip them).
 */
export const osmandDeviceEvents = (
  report: OsmAndReport,
  device: OsmAndDevice,
  receivedAtMs: number,
  raw?: string
): Result.Result<ReadonlyArray<DeviceEvent>, OsmAndRefusal> => {
  const id = osmandEventId(report, receivedAtMs)
  const occurredAt = new Date(report.timestampMs ?? receivedAtMs).toISOString()
  const source = { via: "osmand" as const, ...(raw !== undefined && { raw: raw.slice(0, 8192) }) }
  const alarmKey = report.alarm?.toLowerCase()
  const care = alarmKey !== undefined && CareAlarms.has(alarmKey)
  const fault = alarmKey === undefined ? undefined : TechnicalAlarms[alarmKey]
  const extra = {
    osmandForm: report.form,
    osmandAlarms: OsmAndAlarmMapVersion,
    ...(report.alarm !== undefined && { alarm: report.alarm }),
    ...(report.event !== undefined && { osmandEvent: report.event }),
    ...(report.bearing !== undefined && { bearing: round(report.bearing, 1) }),
    ...(report.altitude !== undefined && { altitudeM: round(report.altitude, 1) }),
    ...(report.hdop !== undefined && { hdop: report.hdop }),
    ...(report.moving !== undefined && { moving: report.moving }),
    ...(report.charging !== undefined && { charging: report.charging }),
    ...(report.mock === true && { mock: true }),
    ...(report.validFix === false && { validFix: false }),
    ...(report.timestampMs === undefined && { timeFromReceiver: true })
  }
  const common = { tenant: device.tenant, deviceId: device.deviceId, occurredAt, source }
  const events: Array<unknown> = []
  if (report.position !== undefined) {
    events.push({
      ...common,
      id,
      type: "gps",
      payload: {
        lat: report.position.lat,
        lon: report.position.lon,
        ...(report.accuracyM !== undefined && { accuracyM: round(report.accuracyM, 1) }),
        ...(report.speedMps !== undefined && { speedMps: round(report.speedMps, 2) }),
        ...(report.batteryPct !== undefined && { batteryPct: round(report.batteryPct, 1) }),
        ...(care && { sos: true }),
        ...extra
      }
    })
  } else if (care) {
    events.push({ ...common, id, type: "safety_alarm", payload: { trigger: "button", cause: "tracker alarm without position", ...extra } })
  } else if (fault === undefined) {
    events.push({
      ...common,
      id,
      type: "technical",
      payload: { event: "heartbeat", ...(report.batteryPct !== undefined && { batteryPct: round(report.batteryPct, 1) }), ...extra }
    })
  }
  if (fault !== undefined) {
    events.push({
      ...common,
      id: `${id}-alarm`,
      type: "technical",
      payload: { event: fault, ...(report.batteryPct !== undefined && { batteryPct: round(report.batteryPct, 1) }), ...extra }
    })
  }
  for (const event of events) {
    const checked = validate(event)
    if (Result.isFailure(checked)) {
      return Result.fail({ kind: "invalid_position", reason: `event does not fit wt.device-event/v1: ${formatIssue(checked.failure.issue)}`, deviceId: report.deviceId })
    }
  }
  return Result.succeed(events as ReadonlyArray<DeviceEvent>)
}
