import { createHmac, randomUUID } from "node:crypto"

/**
 * Simulated vendor platforms posting webhooks to `POST /v1/webhooks/{vendor}`: a medication-dispenser
 * cloud and a sensor platform, shaped like the two demo mappings in packages/webhooks/vendors (which say
 * what public documentation each is modelled on). Its own code: it builds and signs the requests the
 * way those vendors document, sharing nothing with @wt/webhooks' reader, so a round trip tests both.
 */

export interface DispenserEvent {
  readonly transactionId: string
  readonly serial: string
  readonly measurement:
    | "medicine_taken"
    | "medicine_not_taken"
    | "medicine_taken_late"
    | "client_about_to_miss_medication"
    | "dispenser_jammed"
    | "refill_needed"
    | "lid_open"
    | "battery_low"
    | "power_lost"
    | "power_restored"
    | "device_connection_error"
    | "device_connected"
    | "heartbeat"
    | "help_button"
  readonly atMs: number
  readonly dose?: { readonly id: string; readonly scheduledAtMs: number; readonly critical?: boolean }
  readonly battery?: number
}

export interface SensorPlatformEvent {
  readonly id: string
  readonly sensorSerial: string
  readonly type:
    | "sensor.detection.bed_exit"
    | "sensor.detection.bed_return"
    | "sensor.detection.door_open"
    | "sensor.detection.door_close"
    | "sensor.detection.motionless"
    | "sensor.detection.occupancy"
    | "sensor.detection.smoke"
    | "sensor.detection.smoke_resolved"
    | "sensor.detection.water_leak"
    | "sensor.detection.water_leak_resolved"
    | "sensor.detection.fall"
    | "sensor.health.low_battery"
    | "sensor.health.offline"
    | "sensor.health.online"
    | "sensor.health.tamper"
  readonly happenedAtMs: number
  readonly room?: string
  readonly battery?: number
}

export interface WebhookRequest {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const hmac = (secret: string, content: string): Buffer => createHmac("sha256", secret).update(content, "utf8").digest()

/** A dispenser cloud's delivery: `{datapoints: [...]}`, X-Timestamp (ms) and hex X-Signature of "<ts>.<body>". */
export const dispenserDelivery = (events: ReadonlyArray<DispenserEvent>, secret: string, sentAtMs: number): WebhookRequest => {
  const body = JSON.stringify({
    datapoints: events.map((e) => ({
      transaction_id: e.transactionId,
      measurement: e.measurement,
      device_serial: e.serial,
      device_type: "demo-dispenser",
      at: new Date(e.atMs).toISOString(),
      ...(e.dose !== undefined && {
        dose: { id: e.dose.id, scheduled_at: new Date(e.dose.scheduledAtMs).toISOString(), ...(e.dose.critical !== undefined && { critical: e.dose.critical }) }
      }),
      ...(e.battery !== undefined && { battery: e.battery })
    }))
  })
  const timestamp = String(sentAtMs)
  return {
    path: "/v1/webhooks/demo-dispenser",
    headers: { "content-type": "application/json", "x-timestamp": timestamp, "x-signature": hmac(secret, `${timestamp}.${body}`).toString("hex") },
    body
  }
}

/**
 * A sensor platform's delivery, signed as Standard Webhooks: webhook-id, webhook-timestamp (s) and
 * webhook-signature "v1,<base64>" over "<id>.<timestamp>.<body>"; during a key rotation two signatures.
 */
export const sensorDelivery = (
  events: ReadonlyArray<SensorPlatformEvent>,
  secrets: ReadonlyArray<string>,
  sentAtMs: number,
  deliveryId: string = `msg_${randomUUID()}`
): WebhookRequest => {
  const body = JSON.stringify({
    type: "batch",
    events: events.map((e) => ({
      id: e.id,
      type: e.type,
      sensor: { sn: e.sensorSerial, model: 4 },
      happened_at: new Date(e.happenedAtMs).toISOString(),
      ...(e.room !== undefined && { room: e.room }),
      ...(e.battery !== undefined && { battery: e.battery })
    }))
  })
  const timestamp = String(Math.floor(sentAtMs / 1000))
  const signatures = secrets.map((s) => `v1,${hmac(s, `${deliveryId}.${timestamp}.${body}`).toString("base64")}`)
  return {
    path: "/v1/webhooks/demo-sensors",
    headers: { "content-type": "application/json", "webhook-id": deliveryId, "webhook-timestamp": timestamp, "webhook-signature": signatures.join(" ") },
    body
  }
}
