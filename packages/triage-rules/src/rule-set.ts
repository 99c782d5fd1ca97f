import {
  DeviceType,
  IncidentCategory,
  Instant,
  MedicationEventKind,
  Priority,
  SafetyAlarmTrigger,
  SensorKind,
  SensorState,
  TechnicalEventKind
} from "@wt/contracts"
import { Schema } from "effect"

/**
 * Rule sets are data so that a tenant can keep its own, versioned, and a decision
 * made a year ago can still be explained by the version that made it. They are
 * Schemas so a tenant's rule set can be loaded from configuration and checked.
 */

/** Local wall-clock time, "HH:MM", 24-hour. */
export const LocalTime = Schema.String.check(
  Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$/u, { message: "must be HH:MM, 24-hour" })
).annotate({ identifier: "LocalTime" })
export type LocalTime = typeof LocalTime.Type

/** Night as local wall-clock times; `from` after `to` wraps midnight (22:00–07:00). */
export const NightHours = Schema.Struct({ from: LocalTime, to: LocalTime }).annotate({ identifier: "NightHours" })
export type NightHours = typeof NightHours.Type

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone })
    return true
  } catch {
    return false
  }
}
/** An IANA time zone the runtime knows, e.g. Europe/Oslo. */
export const TimeZone = Schema.String.check(Schema.makeFilter(isTimeZone, { message: "must be an IANA time zone" }))
  .annotate({ identifier: "TimeZone" })

// The registry's device types (its model, in @wt/contracts): a technical event is judged by the kind of device that sent it.
export { DeviceType }

const Minutes = Schema.Number.check(Schema.isGreaterThan(0))

/** The tunable numbers and hours the rules and the engine read; a resident's plan may replace some. */
export const RuleParameters = Schema.Struct({
  timeZone: TimeZone,
  nightHours: NightHours,
  /** Left bed and not back within this many minutes: `absence.left-bed`. */
  leftBedMinutes: Minutes,
  /** No activity by this local time: `absence.no-morning-activity`. */
  morningActivityBy: LocalTime,
  /** This many care alarms from one resident within the window: `care.repeated`. */
  repeatedAlarmCount: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2)),
  repeatedAlarmWindowHours: Minutes
}).annotate({ identifier: "RuleParameters" })
export type RuleParameters = typeof RuleParameters.Type

/** The names of the parameters a resident's plan may replace, as decisions report them. */
export type PlanParameter = "nightHours" | "leftBedMinutes" | "geofenceRadiusM" | "morningActivityBy"

/**
 * What an event must look like for a rule to fire. Every present field must hold;
 * list fields hold when the event's value is one of them. The context fields read
 * the triage context: the sending device's registered type, local night, the
 * resident's dementia flag and geofence.
 */
export const RuleMatch = Schema.Struct({
  type: Schema.Literals(["safety_alarm", "sensor", "gps", "medication", "technical"]),
  trigger: Schema.optionalKey(Schema.Array(SafetyAlarmTrigger)),
  sensor: Schema.optionalKey(Schema.Array(SensorKind)),
  state: Schema.optionalKey(Schema.Array(SensorState)),
  event: Schema.optionalKey(Schema.Array(Schema.Union([MedicationEventKind, TechnicalEventKind]))),
  sos: Schema.optionalKey(Schema.Boolean),
  critical: Schema.optionalKey(Schema.Boolean),
  deviceType: Schema.optionalKey(Schema.Array(DeviceType)),
  period: Schema.optionalKey(Schema.Literals(["night", "day"])),
  dementia: Schema.optionalKey(Schema.Boolean),
  /** Holds only for a resident with a geofence: outside when the distance exceeds its radius. */
  outsideGeofence: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "RuleMatch" })
export type RuleMatch = typeof RuleMatch.Type

export const Rule = Schema.Struct({
  id: Schema.String,
  when: RuleMatch,
  priority: Priority,
  category: IncidentCategory,
  reason: Schema.String,
  /** Fire and smoke go to the fire service at once, not after a visit. */
  fireService: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "Rule" })
export type Rule = typeof Rule.Type

/**
 * A decision the engine raises from what is missing or accumulates (a resident not
 * back in bed, a silent device, repeated alarms), not from one event. Several rows
 * may share an id; the first whose conditions hold fires.
 */
export const EngineRule = Schema.Struct({
  id: Schema.String,
  when: Schema.optionalKey(
    Schema.Struct({
      deviceType: Schema.optionalKey(Schema.Array(DeviceType)),
      critical: Schema.optionalKey(Schema.Boolean)
    })
  ),
  priority: Priority,
  category: IncidentCategory,
  reason: Schema.String,
  /** The parameters this rule depends on, so a decision can say when a plan changed them. */
  uses: Schema.optionalKey(Schema.Array(Schema.Literals(["nightHours", "leftBedMinutes", "geofenceRadiusM", "morningActivityBy"])))
}).annotate({ identifier: "EngineRule" })
export type EngineRule = typeof EngineRule.Type

/** One version of a tenant's rules, valid from `validFrom` (inclusive) to `validTo` (exclusive). */
export const RuleSet = Schema.Struct({
  version: Schema.String,
  validFrom: Instant,
  validTo: Schema.optionalKey(Instant),
  /** First match fires; order matters. */
  rules: Schema.Array(Rule),
  engineRules: Schema.Array(EngineRule),
  parameters: RuleParameters
}).annotate({ identifier: "RuleSet" })
export type RuleSet = typeof RuleSet.Type

/** Every version of every tenant's rules, plus the versions of the default that tenants without their own use. */
export const RuleBook = Schema.Struct({
  defaults: Schema.NonEmptyArray(RuleSet),
  tenants: Schema.Record(Schema.String, Schema.Array(RuleSet))
}).annotate({ identifier: "RuleBook" })
export type RuleBook = typeof RuleBook.Type
