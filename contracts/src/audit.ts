import { Schema } from "effect"
import { Actor } from "./incident.ts"
import { Instant, TenantId } from "./ids.ts"

export const AuditKind = Schema.Literals([
  "device_event",
  // Many telemetry and technical events of one tenant in one entry (see the audit service).
  "device_events",
  "triage_decision",
  "incident_event",
  "operator_action",
  "record_view",
  "config_change",
  "export",
  "elock_access",
  // Sign-ins to the console: succeeded, failed, refused while throttled or locked; a user signed
  // out everywhere; a lock lifted. A failed attempt for a name no user has is kept under the
  // tenant `_installation` (InstallationTenant), with the name only as a keyed HMAC.
  "authentication"
]).annotate({ identifier: "AuditKind" })
export type AuditKind = typeof AuditKind.Type

/** Where an `authentication` entry goes when the sign-in names no user of any tenant. */
export const InstallationTenant = "_installation"

/** One entry on `wt.audit.<tenant>.<kind>`; the audit service seals them in stream order. */
export const AuditEntry = Schema.Struct({
  /** Unique and deterministic from its origin, so a replay de-duplicates. */
  id: Schema.String,
  tenant: TenantId,
  kind: AuditKind,
  at: Instant,
  actor: Actor,
  /** What the entry is about: ids only, never personal data. */
  subject: Schema.Struct({
    incidentId: Schema.optionalKey(Schema.String),
    residentId: Schema.optionalKey(Schema.String),
    deviceId: Schema.optionalKey(Schema.String),
    eventId: Schema.optionalKey(Schema.String)
  }),
  /** Where the audited fact came from, when it came from a stream. */
  origin: Schema.optionalKey(Schema.Struct({ stream: Schema.String, seq: Schema.Int })),
  summary: Schema.String,
  data: Schema.optionalKey(Schema.Unknown)
}).annotate({ identifier: "AuditEntry" })
export type AuditEntry = typeof AuditEntry.Type
