import type { DeviceEventType } from "./device-event.ts"

export const Lanes = ["alarm", "tech", "telemetry"] as const
export type Lane = (typeof Lanes)[number]

// The lane is derived from the type alone so that a care alarm never queues
// behind heartbeats or positions: each lane has its own consumers.
const laneByType: Record<DeviceEventType, Lane> = {
  safety_alarm: "alarm",
  sensor: "alarm",
  medication: "alarm",
  technical: "tech",
  gps: "telemetry"
}

export const laneOf = (type: DeviceEventType): Lane => laneByType[type]
