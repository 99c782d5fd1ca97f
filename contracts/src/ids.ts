import { Schema } from "effect"

// Tenant and device ids become NATS subject tokens, so they may not contain
// dots, spaces or wildcards.
const subjectToken = /^[A-Za-z0-9_-]{1,64}$/u

export const TenantId = Schema.String.check(
  Schema.isPattern(subjectToken, { message: "must be 1-64 characters of A-Z, a-z, 0-9, _ or -" })
).annotate({ identifier: "TenantId", description: "Tenant (municipality) id; a NATS subject token" })
export type TenantId = typeof TenantId.Type

export const DeviceId = Schema.String.check(
  Schema.isPattern(subjectToken, { message: "must be 1-64 characters of A-Z, a-z, 0-9, _ or -" })
).annotate({ identifier: "DeviceId", description: "Device id as registered; never a resident identity" })
export type DeviceId = typeof DeviceId.Type

// Event ids travel as Nats-Msg-Id for de-duplication; UUIDv7 or ULID are expected.
export const EventId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{7,127}$/u, {
    message: "must be 8-128 characters of A-Z, a-z, 0-9, _ . : or -"
  })
).annotate({ identifier: "EventId", description: "Globally unique event id (UUIDv7 recommended)" })
export type EventId = typeof EventId.Type

export const ResidentId = Schema.String.check(Schema.isPattern(subjectToken))
export type ResidentId = typeof ResidentId.Type

export const IncidentId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{1,128}$/u, { message: "must be a subject token" })
).annotate({ identifier: "IncidentId" })
export type IncidentId = typeof IncidentId.Type

// ISO-8601 instants with an explicit zone, as sent by devices and stamped by the gateway.
export const Instant = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/u, {
    message: "must be an ISO-8601 timestamp with a zone, e.g. 2026-11-25T21:04:05.120Z"
  })
).annotate({ identifier: "Instant" })
export type Instant = typeof Instant.Type
