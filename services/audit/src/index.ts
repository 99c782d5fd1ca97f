export { AuditSealing } from "./audit-sealing.ts"
export { AuditWriters } from "./audit-writers.ts"
