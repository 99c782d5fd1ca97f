export * from "./demo-fleet.ts"
export { demoDc09KeySecret, demoResponderTokens, demoWebhookSecrets, type DemoResponderTokens, demoSecrets, DemoSecretsError, type DemoSecrets, saveDemoResponderTokens } from "./demo-secrets.ts"
export { hashIngestKey } from "./ingest-key.ts"
export { type KeyAccessInput, type KeyAccessView, keyAccessView, KeySafeCodeMissing, KeySafeCodeUnavailable } from "./key-access.ts"
export type { DeviceOwner, TriageProfile, RegisteredDevice, ResidentRecord, Role, SeedSummary, SupervisedDevice, TenantExport, User } from "./model.ts"
export { hashPassword, verifyPasswordHash } from "./password.ts"
export { type DevicePosition, FleetPageSize, Registry, type RegistryShape } from "./registry.ts"
export { DemoUsers, type SeedDemoOptions } from "./seed.ts"
export {
  type DeviceInput,
  type DeviceRecord,
  type PlanEntryInput,
  type PlanRecord,
  RegistryAdmin,
  type ResidentInput,
  type ResidentSummary,
  UsernameTaken,
  type UserInput,
  type UserRecord
} from "./registry-admin.ts"
export { NeighbourTenantId, NeighbourTenantName, NeighbourUsers } from "./neighbour-tenant.ts"
export { type ResidentLabel, residentLabels } from "./resident-labels.ts"
export { contactDevice, DemoMembers, type DemoRespondersOption, DemoTeams, DemoZones, memberDevice, seedDemoResponders } from "./demo-responders.ts"
export {
  issueResponderDevice,
  listResponderDevices,
  type ResponderDeviceHolder,
  type ResponderDeviceRecord,
  ResponderHolderNotFound,
  revokeResponderDevice
} from "./responder-devices.ts"
export { DeviceIdentities, type IdentifiedDevice, identityProblem, IdentityDeviceNotFound, IdentityInvalid, IdentityTaken, type Protocol, Protocols, type WireIdentity, type WireIdentityInput, type WireIdentityView } from "./device-identities.ts"
export { demoDc09Key, demoEncrypts, demoIdentities, DemoWebhookVendors, demoWireDigits } from "./demo-identities.ts"
