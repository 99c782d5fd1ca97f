import type { DeviceEvent, Priority } from "@wt/contracts"
import { PriorityScale } from "@wt/contracts"

export interface NationalCode {
  readonly code: string
  readonly display: string
}

const code = (c: string, display: string): NationalCode => ({ code: c, display })

/**
 * The national alert code (DOMAIN.md, VKP) for the device event that raised an alert.
 * Undefined where the national list has none (technical faults, e-locks, positions
 * inside the geofence): the alert then carries only our own alarm type.
 */
export const alertCodeOf = (event: DeviceEvent): NationalCode | undefined => {
  switch (event.type) {
    case "safety_alarm":
      switch (event.payload.trigger) {
        case "fall_detector":
          return code("4.1", "fall")
        case "button":
        case "pendant":
          return code("4.13", "button press")
        case "pull_cord":
          return code("4.14", "pull cord")
        case "voice_call_failed":
          return code("4.22", "failed call to user")
      }
      return undefined
    case "sensor": {
      const { sensor, state } = event.payload
      if (sensor === "smoke" || sensor === "heat") return code("4.11", "fire alarm")
      if (sensor === "water") return code("4.17", "water alarm")
      if (sensor === "epilepsy") return code("4.24", "epilepsy")
      if (sensor === "bed" && state === "left_bed") return code("4.2", "left bed")
      if (sensor === "bed" && state === "no_activity") return code("4.9", "inactivity")
      if (sensor === "motion" && state === "no_activity") return code("4.19", "no movement")
      if (sensor === "door" && state === "opened") return code("4.15", "door opened")
      if (sensor === "door" && state === "closed") return code("4.16", "door closed")
      return undefined
    }
    case "gps":
      // A tracker only opens an incident for an SOS or a position outside the geofence.
      return event.payload.sos === true ? code("4.13", "button press") : code("4.21", "left home")
    case "medication":
      switch (event.payload.event) {
        case "dose_missed":
        case "dispenser_jammed":
          return code("1.1", "not dispensed")
        case "dose_late":
          return code("1.3", "no dispense confirmation")
        case "refill_needed":
          return code("1.12", "nearly empty")
      }
      return undefined
    case "technical":
      return undefined
  }
}

export { HandlingStates } from "@wt/contracts"

const SeverityLabels: Readonly<Record<number, string>> = { 0: "none", 10: "normal", 20: "moderate", 30: "serious", 40: "critical" }

export const severityOf = (priority: Priority): NationalCode => {
  const severity = PriorityScale[priority].severity
  return code(String(severity), SeverityLabels[severity] ?? String(severity))
}

export const colourOf = (priority: Priority): string => PriorityScale[priority].colour

/** HL7's flag-priority codes: PH high, PM medium, PL low, PN none. */
export const flagPriorityOf = (priority: Priority): NationalCode => {
  switch (priority) {
    case "P1":
      return code("PH", "High priority")
    case "P2":
      return code("PM", "Medium priority")
    case "P3":
      return code("PL", "Low priority")
    case "P4":
      return code("PN", "No alarm")
  }
}
