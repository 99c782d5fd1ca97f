export { appendAuditEntry, appendDeviceEventEntry } from "./audit-log.ts"
export { deviceEventEntry, deviceEventEntryBytes, incidentRecordEntries, type Origin } from "./entries.ts"
export { changedFields, type ConfigChange, configChangeEntry, type ConfigEntity } from "./config-change.ts"
