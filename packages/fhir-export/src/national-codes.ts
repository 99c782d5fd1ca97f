import type { DeviceEvent, Priority } from "@wt/contracts"
import { PriorityScale } from "@wt/contracts"
import type { AlertConcept, HandlingConcept, SeverityConcept, TriageConcept } from "./code-tables.ts"

/**
 * Which national alert concept (docs/domain.md, VKP alert codes) the device event that raised
 * an alert is. Undefined where the national list has none (technical faults, e-locks, a
 * tracker position inside the geofence): the alert then carries only our own alarm type.
 * The code itself depends on the edition in force (code-tables.ts).
 */
export const alertConceptOf = (event: DeviceEvent): AlertConcept | undefined => {
  switch (event.type) {
    case "safety_alarm":
      switch (event.payload.trigger) {
        case "fall_detector":
          return "fall"
        case "button":
        case "pendant":
          return "button"
        case "pull_cord":
          return "pull_cord"
        case "voice_call_failed":
          return "failed_call"
      }
      return undefined
    case "sensor": {
      const { sensor, state } = event.payload
      if (sensor === "smoke" || sensor === "heat") return "fire"
      if (sensor === "water") return "water"
      if (sensor === "epilepsy") return "epilepsy"
      if (sensor === "bed" && state === "left_bed") return "left_bed"
      if (sensor === "bed" && state === "no_activity") return "inactivity"
      if (sensor === "motion" && state === "no_activity") return "no_movement"
      if (sensor === "door" && state === "opened") return "door_opened"
      if (sensor === "door" && state === "closed") return "door_closed"
      return undefined
    }
    case "gps":
      // A tracker only opens an incident for an SOS or a position outside the geofence.
      return event.payload.sos === true ? "button" : "left_home"
    case "medication":
      switch (event.payload.event) {
        case "dose_missed":
          return "dose_not_dispensed"
        case "dose_late":
          return "dose_unconfirmed"
        case "dispenser_jammed":
          return "dispenser_roll_stuck"
        case "refill_needed":
          return "dispenser_nearly_empty"
        case "lid_open":
          return "dispenser_open"
      }
      return undefined
    case "technical":
      return undefined
  }
}

export { HandlingStates } from "@wt/contracts"

/** Our handling-log codes (docs/domain.md) are the national handling-log states' codes. */
export const handlingConceptOf = (code: number): HandlingConcept | undefined => {
  const text = String(code)
  return ["0", "1", "3", "4", "5", "6", "7", "8", "9", "10"].includes(text) ? (text as HandlingConcept) : undefined
}

export const severityOf = (priority: Priority): SeverityConcept => String(PriorityScale[priority].severity) as SeverityConcept

export const colourOf = (priority: Priority): TriageConcept => PriorityScale[priority].colour as TriageConcept

/** HL7's flag-priority codes: PH high, PM medium, PL low, PN none. */
export const flagPriorityOf = (priority: Priority): { readonly code: string; readonly display: string } => {
  switch (priority) {
    case "P1":
      return { code: "PH", display: "High priority" }
    case "P2":
      return { code: "PM", display: "Medium priority" }
    case "P3":
      return { code: "PL", display: "Low priority" }
    case "P4":
      return { code: "PN", display: "No alarm" }
  }
}

/** DetectedIssue.severity (required HL7 binding): high for P1, moderate for P2, low otherwise. */
export const issueSeverityOf = (priority: Priority): "high" | "moderate" | "low" =>
  priority === "P1" ? "high" : priority === "P2" ? "moderate" : "low"
