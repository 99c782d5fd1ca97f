import type { DeviceType, FleetDevice, Geofence, KeyAccessView, Resident, ResponsePlanStep, SafetyAlarmTrigger, SensorKind } from "@wt/contracts"
import type { ExportedIdentities } from "./device-identities.ts"

// The registry's answers, built from its model in @wt/contracts (residents, devices, plans, users).
export type { Role, User } from "@wt/contracts"

/** The resident facts triage rules depend on. */
export interface TriageProfile {
  readonly dementia: boolean
  readonly geofence?: Geofence
  readonly planId?: string
  /** The plan's overrides of triage rules, as stored; triage decodes them with its own schema. */
  readonly planOverrides?: Readonly<Record<string, unknown>>
}

/** What the pipeline needs to know about a device, per event. */
export interface DeviceOwner {
  readonly resident: TriageProfile
  readonly residentId: string
  readonly deviceType: DeviceType
  readonly sensor?: typeof SensorKind.Type
  readonly placement: string
  readonly heartbeatIntervalS: number
}

/** An active device as absence supervision sees it: ids and expectations, no personal data. */
export interface SupervisedDevice {
  readonly tenant: string
  readonly deviceId: string
  readonly residentId: string
  readonly deviceType: DeviceType
  readonly sensor?: typeof SensorKind.Type
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
      readonly sensor?: typeof SensorKind.Type
      readonly placement: string
      readonly triggers?: ReadonlyArray<typeof SafetyAlarmTrigger.Type>
    } & ExportedIdentities>
  }>
}
