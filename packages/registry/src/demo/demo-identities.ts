import { createHmac } from "node:crypto"
import { Redacted } from "effect"
import type { DeviceType } from "@wt/contracts"
import type { WireIdentityInput } from "../device-identities.ts"

/** The vendors whose platforms post for the demo's dispensers and sensors (their mappings ship in @wt/webhooks). */
export const DemoWebhookVendors = { medication: "demo-dispenser", sensor: "demo-sensors" } as const

/** The first digit of every wire identity of the demo tenant's devices, and of the neighbour's. */
export const DemoTenantDigit = "1"
export const NeighbourTenantDigit = "2"

const kindDigit: Record<DeviceType, string> = { safety_alarm: "1", sensor: "2", gps: "3", medication: "4" }

/**
 * The digits that name a demo device on every protocol's wire: the tenant's digit, the device
 * kind's and the device's number, e.g. demo's `alarm-000123` is 11000123 and north's
 * `n-alarm-000001` 21000001. A DC-09 account is hexadecimal, so decimal digits are one; the same
 * digits serve as SCAIP caller id, OsmAnd id and vendor device id. Undefined for an id the demo
 * fleet does not make.
 */
export const demoWireDigits = (tenantDigit: string, device: { readonly id: string; readonly type: DeviceType }): string | undefined => {
  const number = /^(?:n-)?(?:alarm|sens|gps|med)-(\d{6})$/u.exec(device.id)?.[1]
  return number === undefined ? undefined : `${tenantDigit}${kindDigit[device.type]}${number}`
}

/** Every fourth demo safety alarm encrypts its DC-09 frames, so the demo shows both. */
export const demoEncrypts = (digits: string): boolean => digits[1] === "1" && Number(digits.slice(2)) % 4 === 0

/**
 * A demo unit's AES-128 key, derived from the demo's own generated secret (kept in the data
 * directory, never in git) so the simulator can encrypt as the unit would. Demo only: a real
 * unit's key is set by an administrator and stored as it is.
 */
export const demoDc09Key = (secret: string, account: string): string =>
  createHmac("sha256", secret).update(`dc09-key:${account}`).digest("hex").slice(0, 32)

/**
 * The wire identities a demo device is seeded with: a DC-09 account (with a key for every fourth
 * safety alarm) and a SCAIP caller id for every device, an OsmAnd id for trackers, and a vendor id
 * on the dispenser or sensor platform for dispensers and sensors. So the demo can be driven by
 * any protocol.
 */
export const demoIdentities = (
  tenantDigit: string,
  device: { readonly id: string; readonly type: DeviceType },
  dc09Secret: string | undefined
): ReadonlyArray<WireIdentityInput> => {
  const digits = demoWireDigits(tenantDigit, device)
  if (digits === undefined) return []
  const key = dc09Secret !== undefined && demoEncrypts(digits) ? { key: Redacted.make(demoDc09Key(dc09Secret, digits)) } : {}
  return [
    { protocol: "dc09", identity: digits, ...key },
    { protocol: "scaip", identity: digits },
    ...(device.type === "gps" ? [{ protocol: "osmand", identity: digits } as const] : []),
    ...(device.type === "medication" ? [{ protocol: "webhook", vendor: DemoWebhookVendors.medication, identity: digits } as const] : []),
    ...(device.type === "sensor" ? [{ protocol: "webhook", vendor: DemoWebhookVendors.sensor, identity: digits } as const] : [])
  ]
}
