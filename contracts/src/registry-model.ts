import { Schema } from "effect"
import { SafetyAlarmTrigger, SensorKind } from "./device-event.ts"

/**
 * The registry's model: residents, their homes, next of kin and installed devices, response
 * plans and console users. The one definition of each: the registry decodes its rows with these,
 * triage rules judge by the device type, the console's API and the simulators build on them.
 * Here, below them all, because the rules depend only on the contracts, not on the registry.
 */

/** The kinds of device the registry holds; a device's events carry its type (a technical event aside). */
export const DeviceType = Schema.Literals(["safety_alarm", "sensor", "gps", "medication"]).annotate({ identifier: "DeviceType" })
export type DeviceType = typeof DeviceType.Type

export const Mobility = Schema.Literals(["independent", "walking_aid", "wheelchair", "bedbound"]).annotate({ identifier: "Mobility" })
export type Mobility = typeof Mobility.Type

/** Why a resident may be tracked: consent, or a decision under pasient- og brukerrettighetsloven § 4-6 a. */
export const GpsLegalBasis = Schema.Literals(["consent", "decision_4_6a"]).annotate({ identifier: "GpsLegalBasis" })
export type GpsLegalBasis = typeof GpsLegalBasis.Type

/** A temporary address is a stay away from home (a move, respite care), with its dates. */
export const AddressKind = Schema.Literals(["home", "temporary"]).annotate({ identifier: "AddressKind" })
export type AddressKind = typeof AddressKind.Type

export const Address = Schema.Struct({
  kind: AddressKind,
  street: Schema.String,
  postcode: Schema.String,
  city: Schema.String,
  /** NaN when the address has no coordinates (one an administrator typed in, not geocoded). */
  lat: Schema.Number,
  lon: Schema.Number,
  /** ISO dates (YYYY-MM-DD); absent means open-ended. */
  validFrom: Schema.optionalKey(Schema.String),
  validTo: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Address" })
export type Address = typeof Address.Type

/** Where a tracked resident is expected to stay. */
export const Geofence = Schema.Struct({
  lat: Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 })),
  lon: Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 })),
  radiusM: Schema.Finite.check(Schema.isGreaterThan(0))
}).annotate({ identifier: "Geofence" })
export type Geofence = typeof Geofence.Type

/** How responders get into the home. A key safe's code is stored sealed and handed over only on a live call-out. */
export const KeyAccess = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("key_safe"), code: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("e_lock"), lockId: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("none") })
]).annotate({ identifier: "KeyAccess" })
export type KeyAccess = typeof KeyAccess.Type

/** Key access as a record shows it: that there is a key safe, never its code. */
export const KeyAccessView = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("key_safe") }),
  Schema.Struct({ kind: Schema.Literal("e_lock"), lockId: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("none") })
]).annotate({ identifier: "KeyAccessView" })
export type KeyAccessView = typeof KeyAccessView.Type

/** A next of kin or keyholder; a resident's contacts are called in their order. */
export const Contact = Schema.Struct({
  name: Schema.String,
  relation: Schema.String,
  phone: Schema.String,
  keyholder: Schema.Boolean
}).annotate({ identifier: "Contact" })
export type Contact = typeof Contact.Type

/** A device installed for a resident. */
export const FleetDevice = Schema.Struct({
  id: Schema.String,
  type: DeviceType,
  /** Present for, and only for, sensors. */
  sensor: Schema.optionalKey(SensorKind),
  placement: Schema.String,
  heartbeatIntervalS: Schema.Number,
  /** For safety alarms: the triggers this unit can send. */
  triggers: Schema.optionalKey(Schema.Array(SafetyAlarmTrigger))
}).annotate({ identifier: "FleetDevice" })
export type FleetDevice = typeof FleetDevice.Type

export const Resident = Schema.Struct({
  id: Schema.String,
  displayName: Schema.String,
  birthYear: Schema.Number,
  /** ISO 639 code: nb, nn, se, en, pl … */
  language: Schema.String,
  addresses: Schema.Array(Address),
  /** Only what matters in an emergency. */
  healthNotes: Schema.Array(Schema.String),
  mobility: Mobility,
  keyAccess: KeyAccess,
  dementia: Schema.Boolean,
  /** Present iff the resident has a GPS tracker. */
  gpsLegalBasis: Schema.optionalKey(GpsLegalBasis),
  /** Present iff the resident has a GPS tracker. */
  geofence: Schema.optionalKey(Geofence),
  /** Next of kin and keyholders, in the order they are to be called. */
  contacts: Schema.Array(Contact),
  responsePlanId: Schema.String,
  devices: Schema.Array(FleetDevice)
}).annotate({ identifier: "Resident" })
export type Resident = typeof Resident.Type

/**
 * One alarm type's checklist within a plan. A plan (same `id`) has one entry per alarm type;
 * `alarmType` uses the queue label scheme of `alarmTypeOf` in @wt/incident
 * ("safety_alarm:fall_detector", "sensor:smoke" …) or just the event type ("safety_alarm") as
 * the fallback for that type.
 */
export const ResponsePlanStep = Schema.Struct({
  id: Schema.String,
  alarmType: Schema.String,
  title: Schema.String,
  steps: Schema.Array(Schema.String)
}).annotate({ identifier: "ResponsePlanStep" })
export type ResponsePlanStep = typeof ResponsePlanStep.Type

/** What a console user may do: operators handle incidents, supervisors oversee tenants, admins keep the registry. */
export const Role = Schema.Literals(["operator", "supervisor", "admin"]).annotate({ identifier: "Role" })
export type Role = typeof Role.Type

export const User = Schema.Struct({
  id: Schema.String,
  username: Schema.String,
  displayName: Schema.String,
  role: Role,
  /** The tenants the user works for (operator) or supervises. */
  tenants: Schema.Array(Schema.String)
}).annotate({ identifier: "User" })
export type User = typeof User.Type
