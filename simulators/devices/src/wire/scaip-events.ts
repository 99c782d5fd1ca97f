import type { DeviceEvent } from "@wt/contracts"
import type { ScaipAlarm, ScaipStyle } from "../protocols/scaip-device.ts"
import { type Carried, kindOf, send, skip, unitNumber, type WireDevice } from "./wire-device.ts"

/** A request without its session's reference (the sender numbers those). */
export type ScaipContent = Omit<ScaipAlarm, "ref">

/**
 * What a SCAIP unit sends for a canonical event, from the unit's side: the device type (SS 91100
 * Annex A) of the part of the installation that saw it and the status code (Annex C) it reports.
 * Only pairs the centre's published table (docs/receivers-scaip-osmand-webhooks.md,
 * scaip-map-2026.12.1) reads back as the same kind are used; the rest are skipped with a reason.
 */
const Dty = {
  controller: 2,
  pendant: 3,
  fall: 5,
  panicButton: 7,
  activity: 10,
  dispenser: 11,
  bed: 12,
  door: 14,
  epilepsy: 17,
  smoke: 23,
  heat: 25,
  flood: 33,
  lock: 35,
  tracker: 51
} as const

const Stc = {
  absent: 3,
  alarmAutomatic: 9,
  alarmManual: 10,
  batteryLow: 16,
  closed: 21,
  linkFailurePrimary: 26,
  inactive: 49,
  jammed: 52,
  lowLevel: 64,
  open: 76,
  pillNotTaken: 81,
  pillReminder: 82,
  pillTaken: 83,
  powerFailure: 85,
  powerRestored: 86,
  restoral: 94,
  testPrimary: 102,
  timeOut: 104,
  linkReestablishedPrimary: 115,
  lyingInBed: 117,
  locked: 118,
  movement: 119,
  radioInterference: 122,
  radioTestMissing: 123,
  tamper: 125,
  unlocked: 127
} as const

/** The device type a sensor of this kind reports as. */
const sensorDty: Record<string, number> = {
  bed: Dty.bed,
  motion: Dty.activity,
  door: Dty.door,
  smoke: Dty.smoke,
  heat: Dty.heat,
  water: Dty.flood,
  epilepsy: Dty.epilepsy,
  e_lock: Dty.lock
}

/** The device type a unit's own (technical) reports come from. */
const ownDty = (device: WireDevice): number =>
  device.type === "sensor" ? sensorDty[device.sensor ?? "motion"] ?? Dty.controller
    : device.type === "medication" ? Dty.dispenser
    : device.type === "gps" ? Dty.tracker
    : Dty.controller

const sensorStatus: Partial<Record<string, number>> = {
  "bed left_bed": Stc.absent,
  "bed returned_to_bed": Stc.lyingInBed,
  "door opened": Stc.open,
  "door closed": Stc.closed,
  "e_lock locked": Stc.locked,
  "e_lock unlocked": Stc.unlocked,
  "e_lock opened": Stc.open,
  "e_lock closed": Stc.closed,
  "motion activity": Stc.movement,
  "motion no_activity": Stc.inactive
}
const Hazards = new Set(["smoke", "heat", "water", "epilepsy"])

const medicationStatus: Partial<Record<string, number>> = {
  dose_missed: Stc.pillNotTaken,
  dose_taken: Stc.pillTaken,
  dose_due: Stc.pillReminder,
  dose_late: Stc.timeOut,
  dispenser_jammed: Stc.jammed,
  refill_needed: Stc.lowLevel,
  lid_open: Stc.open
}

const technicalStatus: Partial<Record<string, number>> = {
  periodic_test: Stc.testPrimary,
  low_battery: Stc.batteryLow,
  power_lost: Stc.powerFailure,
  power_restored: Stc.powerRestored,
  communication_failure: Stc.linkFailurePrimary,
  communication_restored: Stc.linkReestablishedPrimary,
  tamper: Stc.tamper,
  radio_jamming: Stc.radioInterference,
  sensor_supervision_lost: Stc.radioTestMissing
}

/** Units differ in small ways (padding, declaration, indentation, element order): a fleet shows them all. */
export const scaipStyleOf = (digits: string): ScaipStyle => {
  const n = unitNumber(digits)
  return { declaration: n % 2 === 0, padCodes: n % 3 !== 0, indent: n % 5 === 0, order: n % 7 }
}

export const scaipContentFor = (event: DeviceEvent, device: WireDevice & { readonly digits: string }, nowMs: number): Carried<ScaipContent> => {
  const base = {
    cid: device.digits,
    time: { epochMs: Date.parse(event.occurredAt) || nowMs, offsetHours: 0 },
    ...(device.placement !== undefined ? { lte: device.placement } : {})
  }
  const no = () => skip<ScaipContent>(`scaip: no device type and status code read back as ${kindOf(event)}`)
  switch (event.type) {
    case "safety_alarm": {
      const { trigger } = event.payload
      if (trigger === "pendant") return send({ ...base, dty: Dty.pendant, stc: Stc.alarmManual, pri: 1 })
      if (trigger === "button") return send({ ...base, dty: Dty.panicButton, stc: Stc.alarmManual, pri: 1 })
      if (trigger === "fall_detector") return send({ ...base, dty: Dty.fall, stc: Stc.alarmAutomatic, pri: 1 })
      return no()
    }
    case "sensor": {
      const { sensor, state } = event.payload
      const dty = sensorDty[sensor]
      if (dty === undefined) return no()
      if (Hazards.has(sensor)) {
        if (state === "triggered") return send({ ...base, dty, stc: Stc.alarmAutomatic, pri: 1 })
        if (state === "restored") return send({ ...base, dty, stc: Stc.restoral })
        return no()
      }
      const stc = sensorStatus[`${sensor} ${state}`]
      return stc === undefined ? no() : send({ ...base, dty, stc })
    }
    case "gps": {
      // SCAIP carries a tracker's alarm with where it was raised, not its track.
      if (event.payload.sos !== true) return skip("scaip: a tracker reports its alarms over SCAIP, not its positions")
      return send({ ...base, dty: Dty.tracker, stc: Stc.alarmManual, pri: 1, geo: { lat: event.payload.lat, lon: event.payload.lon } })
    }
    case "medication": {
      const stc = medicationStatus[event.payload.event]
      return stc === undefined ? no() : send({ ...base, dty: Dty.dispenser, stc })
    }
    case "technical": {
      // A heartbeat is the unit's PI message (SS 91100 mty), whatever part of it reports.
      if (event.payload.event === "heartbeat") return send({ ...base, mty: "PI", dty: ownDty(device) })
      const stc = technicalStatus[event.payload.event]
      return stc === undefined ? no() : send({ ...base, dty: ownDty(device), stc })
    }
  }
}
