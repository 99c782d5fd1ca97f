import type { DeviceEvent } from "@wt/contracts"
import { DemoWebhookVendors } from "@wt/registry/demo"
import type { DispenserEvent, SensorPlatformEvent } from "../protocols/webhook-sender.ts"
import { type Carried, kindOf, send, skip, type WireDevice } from "./wire-device.ts"

/** One vendor event, for the platform that serves the device's kind. */
export type VendorEvent =
  | { readonly vendor: typeof DemoWebhookVendors.medication; readonly event: DispenserEvent }
  | { readonly vendor: typeof DemoWebhookVendors.sensor; readonly event: SensorPlatformEvent }

/**
 * What the demo's vendor platforms post for a canonical event, in each vendor's own vocabulary: the
 * dispenser cloud's measurements and the sensor platform's detection and health events, as modelled
 * in packages/webhooks/vendors. Dispensers and sensors have vendor ids; a kind the vendor has no
 * event for (a sensor platform's heartbeat, a heat detector) is skipped with its reason.
 */
const dispenserMeasurements: Partial<Record<string, DispenserEvent["measurement"]>> = {
  "medication dose_taken": "medicine_taken",
  "medication dose_missed": "medicine_not_taken",
  "medication dose_late": "medicine_taken_late",
  "medication dose_due": "client_about_to_miss_medication",
  "medication dispenser_jammed": "dispenser_jammed",
  "medication refill_needed": "refill_needed",
  "medication lid_open": "lid_open",
  "technical low_battery": "battery_low",
  "technical power_lost": "power_lost",
  "technical power_restored": "power_restored",
  "technical communication_failure": "device_connection_error",
  "technical communication_restored": "device_connected",
  "technical heartbeat": "heartbeat",
  "safety_alarm button": "help_button"
}

const sensorTypes: Partial<Record<string, SensorPlatformEvent["type"]>> = {
  "sensor bed left_bed": "sensor.detection.bed_exit",
  "sensor bed returned_to_bed": "sensor.detection.bed_return",
  "sensor door opened": "sensor.detection.door_open",
  "sensor door closed": "sensor.detection.door_close",
  "sensor motion no_activity": "sensor.detection.motionless",
  "sensor motion activity": "sensor.detection.occupancy",
  "sensor smoke triggered": "sensor.detection.smoke",
  "sensor smoke restored": "sensor.detection.smoke_resolved",
  "sensor water triggered": "sensor.detection.water_leak",
  "sensor water restored": "sensor.detection.water_leak_resolved",
  "safety_alarm fall_detector": "sensor.detection.fall",
  "technical low_battery": "sensor.health.low_battery",
  "technical sensor_supervision_lost": "sensor.health.offline",
  "technical communication_restored": "sensor.health.online",
  "technical tamper": "sensor.health.tamper"
}

const batteryOf = (event: DeviceEvent): number | undefined =>
  event.type === "technical" || event.type === "gps" ? event.payload.batteryPct : undefined

export const vendorEventFor = (event: DeviceEvent, device: WireDevice & { readonly digits: string }): Carried<VendorEvent> => {
  const kind = kindOf(event)
  const atMs = Date.parse(event.occurredAt)
  const battery = batteryOf(event)
  if (device.type === "medication") {
    const measurement = dispenserMeasurements[kind]
    if (measurement === undefined) return skip(`webhook: ${DemoWebhookVendors.medication} has no measurement for ${kind}`)
    const dose = event.type === "medication" && event.payload.doseId !== undefined && event.payload.scheduledAt !== undefined
      ? { id: event.payload.doseId, scheduledAtMs: Date.parse(event.payload.scheduledAt), ...(event.payload.critical !== undefined ? { critical: event.payload.critical } : {}) }
      : undefined
    return send({
      vendor: DemoWebhookVendors.medication,
      // The canonical id as the vendor's transaction id: its retry collapses, two events never do.
      event: { transactionId: event.id, serial: device.digits, measurement, atMs, ...(dose !== undefined ? { dose } : {}), ...(battery !== undefined ? { battery } : {}) }
    })
  }
  if (device.type === "sensor") {
    const type = sensorTypes[kind]
    if (type === undefined) return skip(`webhook: ${DemoWebhookVendors.sensor} has no event for ${kind}`)
    return send({
      vendor: DemoWebhookVendors.sensor,
      event: {
        id: event.id,
        sensorSerial: device.digits,
        type,
        happenedAtMs: atMs,
        ...(device.placement !== undefined ? { room: device.placement } : {}),
        ...(battery !== undefined ? { battery } : {})
      }
    })
  }
  return skip(`webhook: no vendor platform posts for a ${device.type} device`)
}
