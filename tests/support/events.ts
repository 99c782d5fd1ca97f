import { randomUUID } from "node:crypto"
import type { DeviceEvent } from "@wt/contracts"
import { demoFleet } from "@wt/registry/demo"

const fleet = demoFleet()

/** The n-th demo resident's safety alarm device id, as seeded. */
export const alarmDevice = (n: number): { readonly residentId: string; readonly deviceId: string } => {
  const resident = fleet.residents[n]!
  const device = resident.devices.find((d) => d.type === "safety_alarm")!
  return { residentId: resident.id, deviceId: device.id }
}

/** The first demo resident from the n-th on who wears a GPS tracker, and that tracker's id. */
export const gpsDevice = (n: number): { readonly residentId: string; readonly deviceId: string } => {
  const resident = fleet.residents.slice(n).find((r) => r.devices.some((d) => d.type === "gps"))!
  const device = resident.devices.find((d) => d.type === "gps")!
  return { residentId: resident.id, deviceId: device.id }
}

export const pendantAlarm = (deviceId: string, overrides: Partial<DeviceEvent> = {}): DeviceEvent => ({
  id: randomUUID(),
  tenant: "demo",
  deviceId,
  occurredAt: new Date().toISOString(),
  source: { via: "http", vendor: "e2e" },
  type: "safety_alarm",
  payload: { trigger: "pendant" },
  ...overrides
} as DeviceEvent)
