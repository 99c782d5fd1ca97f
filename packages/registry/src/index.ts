export { hashIngestKey } from "./ingest-key.ts"
export { KeySafeCodeMissing, KeySafeCodeUnavailable, type KeyAccessInput } from "./key-access.ts"
export type { DeviceOwner, TriageProfile, RegisteredDevice, ResidentRecord, Role, SupervisedDevice, TenantExport, User } from "./model.ts"
export { hashPassword, verifyPasswordHash } from "./password.ts"
export { type DevicePosition, FleetPageSize, Registry, type RegistryShape } from "./registry.ts"
export { RegistryRowInvalid } from "./rows.ts"
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
export { type ResidentLabel, residentLabels } from "./resident-labels.ts"
export {
  issueResponderDevice,
  listResponderDevices,
  type ResponderDeviceHolder,
  type ResponderDeviceRecord,
  ResponderHolderNotFound,
  revokeResponderDevice
} from "./responder-devices.ts"
export { DeviceIdentities, type IdentifiedDevice, identityProblem, IdentityDeviceNotFound, IdentityInvalid, IdentityTaken, type Protocol, Protocols, type WireIdentity, type WireIdentityInput, type WireIdentityView } from "./device-identities.ts"
