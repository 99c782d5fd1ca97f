import type { Redacted } from "effect"
import type { ExportedIdentities } from "./device-identities.ts"
import type { AlarmTrigger, DeviceType, FleetDevice, Resident, ResponsePlanStep, SensorKindName } from "./demo-fleet.ts"
import type { KeyAccessView } from "./key-access.ts"

/** What the pipeline needs to know about a device, per event. */
/** The resident facts triage rules depend on. */
export interface TriageProfile {
  readonly dementia: boolean
  readonly geofence?: { readonly lat: number; readonly lon: number; readonly radiusM: number }
  readonly planId?: string
  /** The plan's overrides of triage rules, as stored; triage decodes them with its own schema. */
  readonly planOverrides?: Readonly<Record<string, unknown>>
}

export interface DeviceOwner {
  readonly resident: TriageProfile
  readonly residentId: string
  readonly deviceType: DeviceType
  readonly sensor?: SensorKindName
  readonly placement: string
  readonly heartbeatIntervalS: number
}

/** An active device as absence supervision sees it: ids and expectations, no personal data. */
export interface SupervisedDevice {
  readonly tenant: string
  readonly deviceId: string
  readonly residentId: string
  readonly deviceType: DeviceType
  readonly sensor?: SensorKindName
  readonly heartbeatIntervalS: number
}

export interface RegisteredDevice extends FleetDevice {
  readonly active: boolean
}

/** A resident's full record, as shown to an operator handling an incident: a key safe's code is not part of it. */
export interface ResidentRecord extends Omit<Resident, "devices" | "keyAccess"> {
  readonly tenant: string
  readonly keyAccess: KeyAccessView
  readonly devices: ReadonlyArray<RegisteredDevice>
  /** The resident's response plan: one checklist per alarm type. */
  readonly responsePlan: ReadonlyArray<ResponsePlanStep>
}

export type Role = "operator" | "supervisor" | "admin"

export interface User {
  readonly id: string
  readonly username: string
  readonly displayName: string
  readonly role: Role
  readonly tenants: ReadonlyArray<string>
}

/** `pnpm wt registry export --tenant <t>` (contract): ids first, no health data. */
export interface TenantExport {
  readonly tenant: string
  readonly residents: ReadonlyArray<{
    readonly id: string
    readonly displayName: string
    /** Each device with its identities on the alarm protocols' wires (keys left out). */
    readonly devices: ReadonlyArray<{
      readonly id: string
      readonly type: DeviceType
      readonly sensor?: SensorKindName
      readonly placement: string
      readonly triggers?: ReadonlyArray<AlarmTrigger>
    } & ExportedIdentities>
  }>
}

export interface SeedSummary {
  readonly tenant: string
  readonly residents: number
  readonly devices: number
  readonly users: ReadonlyArray<string>
  /** The demo's responder device tokens, when they were seeded: for the data directory and the simulator. */
  readonly responderTokens?: Redacted.Redacted<Readonly<Record<string, string>>>
}
