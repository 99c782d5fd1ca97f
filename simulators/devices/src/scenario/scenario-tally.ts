import type { Delivery } from "../event-sink.ts"
import type { ScenarioEvent } from "./disturbances.ts"

/** What a scenario run sent and what the receiver made of it. */
export interface ScenarioCounts {
  readonly sent: number
  readonly accepted: number
  readonly rejected: number
  readonly duplicates: number
  /** "technical:heartbeat", "sensor:left_bed", "safety_alarm:pendant", "gps:position" … */
  readonly byType: Readonly<Record<string, number>>
  /** "safety_alarm", "sensor:bed", "gps", "medication" */
  readonly byDeviceClass: Readonly<Record<string, number>>
  readonly byOrigin: Readonly<Record<string, number>>
  readonly careAlarms: { readonly total: number; readonly urgent: number }
  readonly positionsOutsideGeofence: number
  /** Rejection reasons with how often each was given (the most frequent first, at most 20). */
  readonly rejectedReasons: Readonly<Record<string, number>>
}

export interface ScenarioTally {
  readonly record: (events: ReadonlyArray<ScenarioEvent>, delivery: Delivery) => void
  readonly counts: () => ScenarioCounts
}

const MaxDistinctReasons = 20

export const detailOf = (e: ScenarioEvent["event"]): string => {
  switch (e.type) {
    case "safety_alarm":
      return `safety_alarm:${e.payload.trigger}`
    case "sensor":
      return `sensor:${e.payload.state}`
    case "gps":
      return e.payload.sos === true ? "gps:sos" : "gps:position"
    case "medication":
      return `medication:${e.payload.event}`
    case "technical":
      return `technical:${e.payload.event}`
  }
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1
}

export const makeScenarioTally = (classOf: (deviceId: string) => string): ScenarioTally => {
  let sent = 0, accepted = 0, rejected = 0, duplicates = 0, careAlarms = 0, urgent = 0, outside = 0
  const byType: Record<string, number> = {}
  const byDeviceClass: Record<string, number> = {}
  const byOrigin: Record<string, number> = {}
  const reasons = new Map<string, number>()
  return {
    record: (events, delivery) => {
      sent += events.length
      accepted += delivery.accepted
      rejected += delivery.rejected
      duplicates += delivery.duplicates
      for (const e of events) {
        bump(byType, detailOf(e.event))
        bump(byDeviceClass, classOf(e.event.deviceId))
        bump(byOrigin, e.origin)
        if (e.event.type === "safety_alarm") {
          careAlarms++
          if (e.truth?.urgent === true) urgent++
        }
        if (e.truth?.outsideGeofence === true) outside++
      }
      for (const raw of delivery.reasons) {
        const reason = raw.slice(0, 200)
        if (reasons.has(reason) || reasons.size < MaxDistinctReasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      }
    },
    counts: () => ({
      sent,
      accepted,
      rejected,
      duplicates,
      byType: Object.fromEntries(Object.entries(byType).sort((a, b) => b[1] - a[1])),
      byDeviceClass: Object.fromEntries(Object.entries(byDeviceClass).sort((a, b) => b[1] - a[1])),
      byOrigin: { ...byOrigin },
      careAlarms: { total: careAlarms, urgent },
      positionsOutsideGeofence: outside,
      rejectedReasons: Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1]))
    })
  }
}
