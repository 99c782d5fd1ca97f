import { AddressKind, Contact, DeviceType, Geofence, GpsLegalBasis, KeyAccessView, Mobility, SafetyAlarmTrigger, SensorKind } from "@wt/contracts"
import { Schema } from "effect"

export { Contact }

export const Address = Schema.Struct({
  kind: AddressKind,
  street: Schema.String,
  postcode: Schema.String,
  city: Schema.String,
  /** Absent when the address has no coordinates (one an administrator typed in, not geocoded). */
  lat: Schema.optionalKey(Schema.Finite),
  lon: Schema.optionalKey(Schema.Finite),
  validFrom: Schema.optionalKey(Schema.String),
  validTo: Schema.optionalKey(Schema.String)
})

export const Device = Schema.Struct({
  id: Schema.String,
  type: DeviceType,
  sensor: Schema.optionalKey(SensorKind),
  placement: Schema.String,
  heartbeatIntervalS: Schema.Finite,
  triggers: Schema.optionalKey(Schema.Array(SafetyAlarmTrigger)),
  active: Schema.Boolean
})

export const PlanEntry = Schema.Struct({ id: Schema.String, alarmType: Schema.String, title: Schema.String, steps: Schema.Array(Schema.String) })

/** The registry's record of a resident, as the operator's resident card shows it (mirrors `ResidentRecord`). */
export const ResidentCard = Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  displayName: Schema.String,
  birthYear: Schema.Finite,
  language: Schema.String,
  addresses: Schema.Array(Address),
  healthNotes: Schema.Array(Schema.String),
  mobility: Mobility,
  /** How responders get in. A key safe's code is never part of the record: it is revealed on its own, audited (`POST …/key-safe-code`). */
  keyAccess: KeyAccessView,
  dementia: Schema.Boolean,
  gpsLegalBasis: Schema.optionalKey(GpsLegalBasis),
  geofence: Schema.optionalKey(Geofence),
  /** In the order they are to be called. */
  contacts: Schema.Array(Contact),
  responsePlanId: Schema.String,
  devices: Schema.Array(Device),
  /** One checklist per alarm type. */
  responsePlan: Schema.Array(PlanEntry)
}).annotate({ identifier: "ResidentCard" })
export type ResidentCard = typeof ResidentCard.Type

/**
 * The card of a registry record. The registry gives an address without coordinates NaN for them,
 * which JSON cannot carry: such an address goes out without lat and lon (the card was a 500 for a
 * resident with a temporary address an administrator had added).
 */
export const residentCardOf = <R extends { readonly addresses: ReadonlyArray<{ readonly lat: number; readonly lon: number }> }>(record: R) => ({
  ...record,
  addresses: record.addresses.map(({ lat, lon, ...address }) => (Number.isFinite(lat) && Number.isFinite(lon) ? { ...address, lat, lon } : address))
})
