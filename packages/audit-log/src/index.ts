export { appendAuditEntry } from "./audit-log.ts"
export { deviceEventEntry, incidentRecordEntries, type Origin } from "./entries.ts"
