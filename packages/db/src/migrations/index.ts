import initial from "./0001_initial.ts"
import incidentViews from "./0002_incident_views.ts"
import planOverrides from "./0004_plan_overrides.ts"
import sessions from "./0003_sessions.ts"
import dispatch from "./0005_dispatch.ts"
import incidentTransitions from "./0007_incident_transitions.ts"
import incidentViewsByTenant from "./0008_incident_views_by_tenant.ts"
import responderDevices from "./0009_responder_devices.ts"
import deviceIdentities from "./0012_device_identities.ts"
import signInAndSealedCodes from "./0013_sign_in_and_sealed_codes.ts"
import userLanguage from "./0014_user_language.ts"
import registryVersions from "./0015_registry_versions.ts"

/**
 * Every migration, keyed `<id>_<name>` for the `fromRecord` loader. Add a file
 * `NNNN_name.ts` with a default-exported Effect and list it here; never edit one
 * that has shipped.
 */
export const migrations = {
  "0001_initial": initial,
  "0002_incident_views": incidentViews,
  "0003_sessions": sessions,
  "0004_plan_overrides": planOverrides,
  "0005_dispatch": dispatch,
  "0007_incident_transitions": incidentTransitions,
  "0008_incident_views_by_tenant": incidentViewsByTenant,
  "0009_responder_devices": responderDevices,
  "0012_device_identities": deviceIdentities,
  "0013_sign_in_and_sealed_codes": signInAndSealedCodes,
  "0014_user_language": userLanguage,
  "0015_registry_versions": registryVersions
}
