import type { DeviceEvent } from "@wt/contracts"
import { contactIdData, siaDcsData } from "../protocols/dc09-transmitter.ts"
import { type Carried, kindOf, send, skip, unitNumber, type WireDevice } from "./wire-device.ts"

/** How a unit writes its events: Contact ID (SIA DC-05) or SIA DC-03 codes. */
export type Dc09DataFormat = "ADM-CID" | "SIA-DCS"

/** The message a unit sends for one event: its type and what goes between the brackets. */
export interface Dc09Content {
  readonly type: "ADM-CID" | "SIA-DCS" | "NULL"
  readonly data: string
}

/**
 * What an alarm unit sends for a canonical event, written from the unit's side: the Contact ID
 * and SIA codes a panel or social-alarm base unit uses for that happening (Contact ID event list,
 * SIA DC-03 codes). Only codes the centre's published table (docs/receivers-dc09.md,
 * dc09-codes/2026-12) reads back as the same kind are used; everything else is skipped with its
 * reason, never sent as something near it (a pull cord is not a "medical alarm").
 */
type Code = { readonly cid: readonly [1 | 3, string]; readonly sia: string | undefined }

const code = (cid: readonly [1 | 3, string], sia: string | undefined): Code => ({ cid, sia })

const alarmCodes: Partial<Record<string, Code>> = {
  pendant: code([1, "101"], "QA"), // personal emergency / emergency alarm
  button: code([1, "100"], "MA") // medical alarm
}

const sensorCodes: Partial<Record<string, Code>> = {
  "smoke triggered": code([1, "111"], "FA"),
  "smoke restored": code([3, "111"], "FR"),
  "heat triggered": code([1, "114"], "KA"),
  "heat restored": code([3, "114"], "KR"),
  "water triggered": code([1, "154"], "WA"),
  "water restored": code([3, "154"], "WR"),
  // Contact ID 391, sensor watch: no activity in the watch period; SIA has no code for it.
  "motion no_activity": code([1, "391"], undefined),
  "motion activity": code([3, "391"], undefined)
}

const technicalCodes: Partial<Record<string, Code>> = {
  periodic_test: code([1, "602"], "RP"),
  low_battery: code([1, "302"], "YT"),
  power_lost: code([1, "301"], "AT"),
  power_restored: code([3, "301"], "AR"),
  communication_failure: code([1, "350"], "YC"),
  communication_restored: code([3, "350"], "YK"),
  tamper: code([1, "137"], "TA"),
  radio_jamming: code([1, "344"], "XQ"),
  sensor_supervision_lost: code([1, "147"], "BZ")
}

/** One unit in three writes SIA-DCS, the rest Contact ID: the centre sees both, as in a real fleet. */
export const dc09FormatOf = (digits: string): Dc09DataFormat => (unitNumber(digits) % 3 === 0 ? "SIA-DCS" : "ADM-CID")

const zoneOf = (event: DeviceEvent): string => (event.type === "sensor" ? "001" : "000")

export const dc09ContentFor = (event: DeviceEvent, device: WireDevice & { readonly digits: string }, format: Dc09DataFormat = dc09FormatOf(device.digits)): Carried<Dc09Content> => {
  // A link test is the unit's heartbeat: no data, a sign of life for supervision.
  if (event.type === "technical" && event.payload.event === "heartbeat") return send({ type: "NULL", data: "" })
  const found = event.type === "safety_alarm"
    ? alarmCodes[event.payload.trigger]
    : event.type === "sensor"
    ? sensorCodes[`${event.payload.sensor} ${event.payload.state}`]
    : event.type === "technical"
    ? technicalCodes[event.payload.event]
    : undefined
  if (found === undefined) return skip(`dc09: no Contact ID or SIA code reads back as ${kindOf(event)}`)
  const account = device.digits
  if (format === "SIA-DCS") {
    if (found.sia === undefined) return skip(`dc09: SIA-DCS has no code for ${kindOf(event)} (Contact ID units send it)`)
    return send({ type: "SIA-DCS", data: siaDcsData(account, [{ code: found.sia, zone: zoneOf(event) }]) })
  }
  const [qualifier, cid] = found.cid
  return send({ type: "ADM-CID", data: contactIdData(account, { qualifier, code: cid, partition: "01", zone: zoneOf(event) }) })
}
