import { createHash } from "node:crypto"
import { type DeviceEvent, deviceEventKey } from "@wt/contracts"

/** 128 bits of a SHA-256 in hex: a subject token, and no two events' incidents ever share one. */
const digestOf = (event: DeviceEvent): string =>
  createHash("sha256").update(`${deviceEventKey(event)}\n${event.receivedAt ?? ""}`).digest("hex").slice(0, 32)

/**
 * The id of the incident a device event opens: made by the server, never the sender's string.
 * It derives from the event's identity (tenant, device, the sender's id) and from when the centre
 * stored it, so a redelivery of the stored event finds its own incident, while the same sender id
 * from another tenant or device, or from the same device after its counter wrapped (an event stored
 * anew, later), opens an incident of its own. Engine-made events carry no receive time: their ids
 * are already unique to the absence they report.
 */
export const incidentIdFor = (event: DeviceEvent): string => `inc-${digestOf(event)}`

/** The id of the storm incident an event opens for its tenant, by the same rule. */
export const stormIncidentIdFor = (event: DeviceEvent): string => `storm-${digestOf(event)}`
