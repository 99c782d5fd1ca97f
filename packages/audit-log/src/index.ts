export { appendAuditEntry, appendDeviceEventEntry, appendDeviceEventsEntry } from "./audit-log.ts"
export { type BatchLimits, DeviceEventBatches } from "./device-event-batches.ts"
export {
  deviceEventEntry,
  deviceEventEntryBytes,
  deviceEventsEntryBytes,
  deviceEventsEntryId,
  type DeviceEventsData,
  incidentRecordEntries,
  type Origin,
  type StoredDeviceEvent
} from "./entries.ts"
export { changedFields, changedOnlyFields, type ConfigChange, configChangeEntry, type ConfigEntity, fieldMac } from "./config-change.ts"
export {
  type AuditFieldKey,
  auditFieldKeyConfig,
  AuditFieldKeyError,
  auditFieldKeyOf,
  createSecretFileOnce,
  loadAuditFieldKey
} from "./config-change-key.ts"
