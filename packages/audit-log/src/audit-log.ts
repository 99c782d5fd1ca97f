import { Effect, Metric } from "effect"
import { AuditEntry, type DeviceEventHead, Subjects } from "@wt/contracts"
import { publishEvent, publishRaw } from "@wt/nats"
import { deviceEventEntryBytes, deviceEventEntryId, deviceEventsEntryBytes, deviceEventsEntryId, type Origin, type StoredDeviceEvent } from "./entries.ts"

/** The message id of an entry: an entry written twice (a retry, a redelivery) is stored once. */
const msgIdOf = (entryId: string) => `audit:${entryId}`

/**
 * Appends an entry to WT_AUDIT on `wt.audit.<tenant>.<kind>`. The entry id is the
 * message id, so an entry written twice (a retry, a redelivery) is stored once.
 *
 * Untraced on purpose: it runs per message, and Effect.fn's span and call-site Error
 * (a captured stack per call) cost more than the work itself.
 */
export const appendAuditEntry = Effect.fnUntraced(function*(entry: AuditEntry) {
  return yield* publishEvent(Subjects.audit(entry.tenant, entry.kind), AuditEntry, entry, { msgId: msgIdOf(entry.id) })
})

const devicesAudited = Metric.counter("wt_audit_device_events_total", {
  description: "Device events whose audit entry is stored, by entry kind: device_event (one each) or device_events (in batches)",
  incremental: true
})
const auditedOne = Metric.withAttributes(devicesAudited, { kind: "device_event" })
const auditedInBatches = Metric.withAttributes(devicesAudited, { kind: "device_events" })

/** Appends the entry of a stored device event, carrying the event's stored bytes (see {@link deviceEventEntryBytes}). */
export const appendDeviceEventEntry = (event: DeviceEventHead, stored: Uint8Array, origin: Origin) =>
  publishRaw(Subjects.audit(event.tenant, "device_event"), deviceEventEntryBytes(event, stored, origin), {
    msgId: msgIdOf(deviceEventEntryId(origin))
  }).pipe(Effect.andThen(Metric.update(auditedOne, 1)))

/** Appends one entry for many stored device events of a tenant, in stream order (see {@link deviceEventsEntryBytes}). */
export const appendDeviceEventsEntry = (tenant: string, events: ReadonlyArray<StoredDeviceEvent>, origin: { readonly stream: string; readonly at: string }) =>
  publishRaw(Subjects.audit(tenant, "device_events"), deviceEventsEntryBytes(tenant, events, origin.stream, origin.at), {
    msgId: msgIdOf(`${tenant}.${deviceEventsEntryId(events)}`)
  }).pipe(Effect.andThen(Metric.update(auditedInBatches, events.length)))
