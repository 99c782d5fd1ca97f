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
export { changedFields, type ConfigChange, configChangeEntry, type ConfigEntity } from "./config-change.ts"
