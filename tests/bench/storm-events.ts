import { randomUUID } from "node:crypto"
import type { DeviceEvent } from "@wt/contracts"
import type { SimFleet } from "@wt/sim-devices"

/**
 * What `devices` devices hold when the mobile network comes back: each buffered one report
 * per minute of the outage (a GPS tracker its positions, every other device its heartbeats)
 * and sends them all at once on reconnecting. Events are grouped per device, so a batch
 * carries whole buffers as a vendor platform would forward them.
 */
export const stormEvents = (fleet: SimFleet, devices: number, bufferedPerDevice: number, nowMs: number): {
  readonly events: ReadonlyArray<DeviceEvent>
  readonly devices: number
} => {
  const units = fleet.residents.flatMap((resident) => resident.devices.map((device) => ({ resident, device }))).slice(0, devices)
  const events: Array<DeviceEvent> = []
  const source = { via: "http" as const, vendor: "wt-bench-storm" }
  for (const { device, resident } of units) {
    for (let i = 0; i < bufferedPerDevice; i++) {
      const occurredAt = new Date(nowMs - (bufferedPerDevice - i) * 60_000).toISOString()
      const base = { id: randomUUID(), tenant: fleet.tenant.id, deviceId: device.id, occurredAt, source }
      if (device.type === "gps") {
        const home = resident.geofence ?? resident.addresses?.[0] ?? { lat: 69.148, lon: 17.412 }
        events.push({ ...base, type: "gps", payload: { lat: home.lat + (i - 1) * 0.0001, lon: home.lon, accuracyM: 10 } } as DeviceEvent)
      } else {
        events.push({ ...base, type: "technical", payload: { event: "heartbeat" } } as DeviceEvent)
      }
    }
  }
  return { events, devices: units.length }
}
