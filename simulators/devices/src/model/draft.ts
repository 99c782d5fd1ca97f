import type { GpsPayload, MedicationPayload, SafetyAlarmPayload, SensorPayload, TechnicalPayload } from "@wt/contracts"

/** A device event before it has an id, tenant and time: what the device says. */
export type Draft =
  | { readonly type: "safety_alarm"; readonly payload: typeof SafetyAlarmPayload.Type }
  | { readonly type: "sensor"; readonly payload: typeof SensorPayload.Type }
  | { readonly type: "gps"; readonly payload: typeof GpsPayload.Type }
  | { readonly type: "medication"; readonly payload: typeof MedicationPayload.Type }
  | { readonly type: "technical"; readonly payload: typeof TechnicalPayload.Type }

/**
 * What the model knows and the event does not say: whether a care alarm was really urgent
 * (most are not: a pendant pressed by mistake, a wish to talk), whether a position lies
 * outside the resident's geofence. For summaries and tests; never sent.
 */
export interface Truth {
  readonly urgent?: boolean
  readonly outsideGeofence?: boolean
}

/** One thing a device will say, and when. */
export interface Planned {
  readonly atMs: number
  readonly draft: Draft
  readonly truth?: Truth
}

export const technical = (payload: typeof TechnicalPayload.Type): Draft => ({ type: "technical", payload })
export const medication = (payload: typeof MedicationPayload.Type): Draft => ({ type: "medication", payload })
