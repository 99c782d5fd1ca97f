import type { DeviceEvent } from "@wt/contracts"
import { demoWireDigits, NeighbourTenantId } from "@wt/registry/demo"
import type { SimDevice, SimFleet } from "../fleet.ts"

/** A fleet device as a protocol sender sees it: its kind and the digits that name it on every wire. */
export interface WireDevice {
  readonly id: string
  readonly type: SimDevice["type"]
  readonly sensor?: SimDevice["sensor"]
  readonly placement?: string
  /** DC-09 account, SCAIP controller id, OsmAnd id and vendor id alike; undefined for an id the demo fleet does not make. */
  readonly digits: string | undefined
}

/** What a protocol can make of one canonical event for its device: a message to send, or why not. */
export type Carried<A> =
  | { readonly _tag: "send"; readonly message: A }
  | { readonly _tag: "skip"; readonly reason: string }

export const send = <A>(message: A): Carried<A> => ({ _tag: "send", message })
export const skip = <A = never>(reason: string): Carried<A> => ({ _tag: "skip", reason })

/**
 * The tenant digit the registry seeds wire identities with: the neighbour tenant's devices
 * start with 2, the demo tenant's (whatever its id) with 1 (see `seedDemoIdentities`).
 */
export const tenantDigitOf = (tenant: string): string => (tenant === NeighbourTenantId ? "2" : "1")

/** Every device of the fleet by id, with its wire digits. */
export const wireDirectory = (fleet: SimFleet): ReadonlyMap<string, WireDevice> => {
  const digit = tenantDigitOf(fleet.tenant.id)
  const out = new Map<string, WireDevice>()
  for (const resident of fleet.residents) {
    for (const device of resident.devices) {
      out.set(device.id, {
        id: device.id,
        type: device.type,
        ...(device.sensor !== undefined ? { sensor: device.sensor } : {}),
        ...(device.placement !== undefined ? { placement: device.placement } : {}),
        digits: demoWireDigits(digit, device)
      })
    }
  }
  return out
}

/** The event's device, or why no protocol can send for it. */
export const wireDeviceOf = (directory: ReadonlyMap<string, WireDevice>, event: DeviceEvent): Carried<WireDevice & { readonly digits: string }> => {
  const device = directory.get(event.deviceId)
  if (device === undefined) return skip(`device ${event.deviceId} is not in the simulated fleet`)
  if (device.digits === undefined) return skip(`device ${event.deviceId} has no demo wire identity`)
  return send({ ...device, digits: device.digits })
}

/** The canonical kind of an event, for skip reasons: "sensor motion no_activity", "technical heartbeat". */
export const kindOf = (event: DeviceEvent): string => {
  switch (event.type) {
    case "safety_alarm":
      return `safety_alarm ${event.payload.trigger}`
    case "sensor":
      return `sensor ${event.payload.sensor} ${event.payload.state}`
    case "gps":
      return event.payload.sos === true ? "gps sos" : "gps position"
    case "medication":
      return `medication ${event.payload.event}`
    case "technical":
      return `technical ${event.payload.event}`
  }
}

/** A small stable number from a device's digits, to vary unit styles across the fleet. */
export const unitNumber = (digits: string): number => Number(digits.slice(-6)) || 0
