import type { DeviceEvent, DeviceEventHead, DeviceEventType } from "./device-event.ts"

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

/**
 * The lane one event travels on. A GPS tracker's SOS is a care alarm, not a position:
 * it rides the alarm lane so it never waits behind a backlog of positions. Every other
 * event's lane follows its type. An event's head is enough to tell.
 */
export const laneOfEvent = (event: DeviceEvent | DeviceEventHead): Lane =>
  event.type === "gps" && event.payload.sos === true ? "alarm" : laneByType[event.type]
