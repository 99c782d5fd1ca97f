import type { Lane } from "./lanes.ts"
import type { DeviceEventType } from "./device-event.ts"

/** Stream names (contract). */
export const Streams = {
  device: "WT_DEVICE",
  incident: "WT_INCIDENT",
  audit: "WT_AUDIT",
  deadLetter: "WT_DLQ"
} as const
export type StreamName = (typeof Streams)[keyof typeof Streams]

/** Subject builders and filters (contract). */
export const Subjects = {
  device: (tenant: string, lane: Lane, type: DeviceEventType, deviceId: string) =>
    `wt.dev.${tenant}.${lane}.${type}.${deviceId}`,
  deviceLaneFilter: (lane: Lane) => `wt.dev.*.${lane}.>`,
  deviceAll: "wt.dev.>",
  incident: (tenant: string, incidentId: string) => `wt.inc.${tenant}.${incidentId}`,
  incidentAll: "wt.inc.>",
  audit: (tenant: string, kind: string) => `wt.audit.${tenant}.${kind}`,
  auditAll: "wt.audit.>",
  deadLetter: (source: string) => `wt.dlq.${source}`,
  deadLetterAll: "wt.dlq.>"
} as const

/** Minimum de-duplication window of WT_DEVICE (contract: at least 2 minutes). */
export const DeviceDedupWindowMs = 2 * 60 * 1000
