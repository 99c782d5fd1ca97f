import type { DeviceEvent } from "@wt/contracts"
import type { DeviceType, Geofence, TriageContext } from "./index.ts"

// Shared test data: Oslo is UTC+1 in November, UTC+2 in July.
export const NightUtc = "2026-11-25T02:00:00Z" // 03:00 local
export const DayUtc = "2026-11-25T12:00:00Z" // 13:00 local
export const Fence: Geofence = { lat: 63.43, lon: 10.39, radiusM: 500 }
export const Inside = { lat: 63.43, lon: 10.39 }
export const Outside = { lat: 63.45, lon: 10.39 } // about 2.2 km north

export const ev = (type: DeviceEvent["type"], payload: object, occurredAt = NightUtc): DeviceEvent =>
  ({ id: "evt-00000001", tenant: "demo", deviceId: "dev-1", occurredAt, source: { via: "sim" }, type, payload }) as DeviceEvent

export interface ContextOptions {
  readonly dementia?: boolean
  readonly fence?: Geofence
  readonly device?: DeviceType
  readonly plan?: NonNullable<TriageContext["resident"]["plan"]>
}

export const ctxFor = (event: DeviceEvent, o: ContextOptions = {}): TriageContext => ({
  at: event.occurredAt,
  resident: {
    dementia: o.dementia ?? false,
    ...(o.fence !== undefined ? { geofence: o.fence } : {}),
    ...(o.plan !== undefined ? { plan: o.plan } : {})
  },
  ...(o.device !== undefined ? { device: { type: o.device } } : {})
})
