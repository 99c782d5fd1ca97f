import type { DeviceEvent } from "@wt/contracts"

/** A device reporting that a fault or alarm condition has ended; it annotates, and may close, a technical incident. */
export const isRestore = (event: DeviceEvent): boolean =>
  (event.type === "sensor" && event.payload.state === "restored") ||
  (event.type === "technical" && (event.payload.event === "power_restored" || event.payload.event === "communication_restored"))

/** A person asking for help or in danger: these count towards repeated alarms and stand alone inside a storm. */
export const isCareAlarm = (event: DeviceEvent): boolean => {
  switch (event.type) {
    case "safety_alarm":
      return true
    case "sensor":
      return event.payload.sensor === "epilepsy" && event.payload.state === "triggered"
    case "gps":
      return event.payload.sos === true
    default:
      return false
  }
}

/** A device no longer supervised: what a storm is made of. */
export const isSupervisionLoss = (event: DeviceEvent): boolean =>
  event.type === "technical" && (event.payload.event === "sensor_supervision_lost" || event.payload.event === "communication_failure")
