import type { DeviceEvent } from "@wt/contracts"
import { jsonRequest, noFixRequest, queryRequest, type TrackerRequest } from "../protocols/osmand-client.ts"
import { type Carried, kindOf, send, skip, unitNumber, type WireDevice } from "./wire-device.ts"

/**
 * What a GPS tracker running the Traccar Client sends for a canonical event: its position (with
 * `alarm=sos` for a person's alarm), a report without a fix for a sign of life, or a report naming
 * one of Traccar's device alarms. Only trackers have an OsmAnd id; what the client cannot say
 * (a test call, a lost radio link) is skipped with its reason.
 */
const trackerAlarms: Partial<Record<string, string>> = {
  low_battery: "lowBattery",
  power_lost: "powerCut",
  power_restored: "powerRestored",
  radio_jamming: "jamming",
  tamper: "tampering"
}

/** Half the trackers run the classic client (query string, time in ms), half the newer one (JSON). */
export const osmandFormOf = (digits: string): "query" | "json" => (unitNumber(digits) % 2 === 0 ? "query" : "json")

export const osmandRequestFor = (event: DeviceEvent, device: WireDevice & { readonly digits: string }): Carried<TrackerRequest> => {
  if (device.type !== "gps") return skip(`osmand: only trackers have an OsmAnd id, not a ${device.type} device`)
  const form = osmandFormOf(device.digits)
  // The canonical id as the JSON client's location uuid: a resend of the same report collapses, two reports never do.
  const at = { deviceId: device.digits, epochMs: Date.parse(event.occurredAt), uuid: event.id }
  if (event.type === "gps") {
    const p = event.payload
    const fix = {
      ...at,
      lat: p.lat,
      lon: p.lon,
      ...(p.speedMps !== undefined ? { speedMps: p.speedMps } : {}),
      ...(p.accuracyM !== undefined ? { accuracyM: p.accuracyM } : {}),
      ...(p.batteryPct !== undefined ? { batteryPct: p.batteryPct } : {}),
      ...(p.sos === true ? { alarm: "sos" } : {})
    }
    return send(form === "query" ? queryRequest(fix, "millis") : jsonRequest(fix))
  }
  if (event.type === "technical") {
    if (event.payload.event === "heartbeat") return send(noFixRequest(at, form))
    const alarm = trackerAlarms[event.payload.event]
    if (alarm !== undefined) {
      return send(noFixRequest({ ...at, alarm, ...(event.payload.batteryPct !== undefined ? { batteryPct: event.payload.batteryPct } : {}) }, form))
    }
  }
  return skip(`osmand: the Traccar Client has no report for ${kindOf(event)}`)
}
