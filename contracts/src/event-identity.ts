/**
 * A device event's identity is its tenant, its device and the sender's own id, never the
 * sender's id alone: devices reuse ids (SIA DC-09 sequence numbers wrap at 9999, many units
 * count from 0 after a reset), and two tenants' senders know nothing of each other's ids.
 * The key is what de-duplicates (`Nats-Msg-Id` on WT_DEVICE) and what an incident remembers
 * of the events it holds. Tenant and device ids are subject tokens (no dots), so the key
 * reads back unambiguously even though an event id may contain dots.
 */
export interface DeviceEventIdentity {
  readonly tenant: string
  readonly deviceId: string
  readonly id: string
}

/** `<tenant>.<deviceId>.<id>`: the de-duplication key of a device event (its `Nats-Msg-Id` on WT_DEVICE). */
export const deviceEventKey = (event: DeviceEventIdentity): string => `${event.tenant}.${event.deviceId}.${event.id}`
