import type { DeviceOwner } from "@wt/registry"
import type { SupervisionPolicy } from "@wt/supervision"
import { type ResidentContext, ruleParameters, ruleSetAt } from "@wt/triage-rules"
import type { SupervisionSettingsShape } from "./supervision-settings.ts"

/**
 * The policy in force for a tenant at an instant: the rule set's time zone, night
 * hours, left-bed minutes and morning hour (the resident's plan replacing them when
 * the context carries it), over the settings' own numbers. One source for these
 * values, so triage's rules and its absences never disagree about when night is.
 */
export const policyFor = (
  settings: SupervisionSettingsShape,
  tenant: string,
  at: string,
  resident: ResidentContext = { dementia: false }
): SupervisionPolicy => {
  const params = ruleParameters(ruleSetAt(settings.ruleBook, tenant, at), { at, resident })
  return {
    ...settings.policy,
    timeZone: params.timeZone,
    night: params.nightHours,
    leftBed: { ...settings.policy.leftBed, withinS: params.leftBedMinutes * 60 },
    morning: { ...settings.policy.morning, by: params.morningActivityBy }
  }
}

/** What the rules may read of a device's resident: no names, no health notes. */
export const residentContextOf = (owner: DeviceOwner): ResidentContext => ({
  dementia: owner.resident.dementia,
  ...(owner.resident.geofence !== undefined ? { geofence: owner.resident.geofence } : {})
})
