import type { Rng } from "@wt/seeded-random"
import type { SimDevice, SimResident } from "../fleet.ts"
import { medication, technical } from "./draft.ts"
import type { Draft, Planned } from "./draft.ts"
import { distanceM, homeOf, offsetPosition } from "./geo.ts"
import { dayStartMs, DayMs, HourMs, MinuteMs } from "./local-time.ts"
import type { ResidentDay, Span } from "./resident-day.ts"
import { traitsOf } from "./resident-day.ts"

/**
 * Device behaviours: what one device says over one local day, as a function of the device,
 * its resident's day, the day and a random stream of its own. Heartbeats, which are not
 * tied to the day, live in fleet-model.ts.
 */
export const BehaviourNames = ["heartbeat", "care_alarm", "periodic_test", "faults", "gps", "medication", "sensors"] as const
export type BehaviourName = (typeof BehaviourNames)[number]

export interface BehaviourSettings {
  readonly utcOffsetMin: number
  /** Care alarms per resident per day (safety alarm pressed, pulled or fallen). */
  readonly careAlarmsPerResidentDay: number
  /** Chance that an outing of a person with dementia goes beyond the geofence. */
  readonly geofenceExitPerOuting: number
}

export interface DayInput {
  readonly device: SimDevice
  readonly resident: SimResident
  readonly day: number
  readonly life: ResidentDay
  readonly rng: Rng
  readonly settings: BehaviourSettings
}

export type DayPlanner = (input: DayInput) => Array<Planned>

const at = (atMs: number, draft: Draft, truth?: Planned["truth"]): Planned =>
  truth === undefined ? { atMs: Math.round(atMs), draft } : { atMs: Math.round(atMs), draft, truth }

/** A count with mean `mean` (Poisson, by inversion; means here are small). */
const poisson = (rng: Rng, mean: number): number => {
  const limit = Math.exp(-mean)
  let k = 0
  let p = rng.next()
  while (p > limit) {
    k++
    p *= rng.next()
  }
  return k
}

// When care alarms come, by local hour: mornings and evenings, fewer at night.
const alarmHourWeights: ReadonlyArray<readonly [number, number]> = [
  [0, 2], [1, 2], [2, 2], [3, 2], [4, 2], [5, 3], [6, 5], [7, 7], [8, 8], [9, 7], [10, 5], [11, 5],
  [12, 5], [13, 4], [14, 4], [15, 4], [16, 5], [17, 6], [18, 6], [19, 6], [20, 6], [21, 6], [22, 5], [23, 3]
]

// Trigger, and how often such an alarm turns out urgent (the rest: pressed by mistake, wanting a chat, a small need).
const triggerMix: ReadonlyArray<readonly [{ readonly trigger: "button" | "pendant" | "pull_cord" | "fall_detector" | "voice_call_failed"; readonly urgentShare: number }, number]> = [
  [{ trigger: "pendant", urgentShare: 0.18 }, 45],
  [{ trigger: "button", urgentShare: 0.12 }, 28],
  [{ trigger: "pull_cord", urgentShare: 0.3 }, 10],
  [{ trigger: "fall_detector", urgentShare: 0.35 }, 12],
  [{ trigger: "voice_call_failed", urgentShare: 0.1 }, 5]
]

const careAlarms: DayPlanner = ({ day, device, rng, settings }) => {
  const allowed = device.triggers
  const mix = allowed === undefined ? triggerMix : triggerMix.filter(([t]) => allowed.includes(t.trigger))
  const start = dayStartMs(day, settings.utcOffsetMin)
  return Array.from({ length: poisson(rng, settings.careAlarmsPerResidentDay) }, () => {
    const hour = rng.weighted(alarmHourWeights)
    const { trigger, urgentShare } = rng.weighted(mix.length > 0 ? mix : triggerMix)
    return at(start + (hour + rng.next()) * HourMs, { type: "safety_alarm", payload: { trigger } }, { urgent: rng.chance(urgentShare) })
  })
}

/** The unit's own daily self-test, at a fixed minute in the small hours. */
const periodicTest: DayPlanner = ({ day, device, settings }) => {
  let minute = 0
  for (let i = 0; i < device.id.length; i++) minute = (minute * 31 + device.id.charCodeAt(i)) % 180
  return [at(dayStartMs(day, settings.utcOffsetMin) + 2 * HourMs + minute * MinuteMs, technical({ event: "periodic_test" }))]
}

const onMains = (device: SimDevice): boolean => device.type === "safety_alarm" || device.type === "medication"

/** Power cuts at the socket (mains units) and flat batteries, each followed by its restore. */
const faults: DayPlanner = ({ day, device, rng, settings }) => {
  const start = dayStartMs(day, settings.utcOffsetMin)
  const out: Array<Planned> = []
  if (onMains(device) && rng.chance(1 / 60)) {
    const cut = start + rng.next() * DayMs
    out.push(at(cut, technical({ event: "power_lost" })))
    out.push(at(cut + (1 + rng.next() * 179) * MinuteMs, technical({ event: "power_restored" })))
  }
  // A GPS tracker's battery is its owner's daily charging, see `gps`.
  if (device.type !== "gps" && rng.chance(device.type === "sensor" ? 1 / 365 : 1 / 180)) {
    const low = start + rng.next() * DayMs
    out.push(at(low, technical({ event: "low_battery", batteryPct: rng.int(3, 15) })))
    // Replaced by a technician or relative within a few days: the next report says so.
    out.push(at(low + (0.5 + rng.next() * 2.5) * DayMs, technical({ event: "heartbeat", batteryPct: 100 })))
  }
  return out
}

const sensorSays = (device: SimDevice, state: Extract<Draft, { type: "sensor" }>["payload"]["state"]): Draft => ({
  type: "sensor",
  payload: { sensor: device.sensor ?? "motion", state, ...(device.placement !== undefined ? { placement: device.placement } : {}) }
})

const overlaps = (a: Span, b: Span): boolean => a.fromMs < b.toMs && b.fromMs < a.toMs
const inside = (ms: number, spans: ReadonlyArray<Span>): boolean => spans.some((s) => ms >= s.fromMs && ms < s.toMs)

/** Hazard sensors: almost always quiet; burnt toast, a steamy bathroom. Real fires come from scenarios. */
const falseAlarm = (input: DayInput, perDay: number, minMin: number, maxMin: number): Array<Planned> => {
  const { device, life, rng } = input
  if (!rng.chance(perDay)) return []
  const when = life.wakeMs + rng.next() * Math.max(1, life.bedMs - life.wakeMs)
  return [at(when, sensorSays(device, "triggered")), at(when + (minMin + rng.next() * (maxMin - minMin)) * MinuteMs, sensorSays(device, "restored"))]
}

const sensors: DayPlanner = (input) => {
  const { device, life, rng } = input
  const out: Array<Planned> = []
  const doorPair = (span: Span) => {
    out.push(at(span.fromMs, sensorSays(device, "opened")), at(span.fromMs + rng.int(10, 60) * 1000, sensorSays(device, "closed")))
    out.push(at(span.toMs, sensorSays(device, "opened")), at(span.toMs + rng.int(10, 60) * 1000, sensorSays(device, "closed")))
  }
  switch (device.sensor ?? "motion") {
    case "bed": {
      const nights = life.nightWander === undefined ? life.nightVisits : [...life.nightVisits.filter((v) => !overlaps(v, life.nightWander!)), life.nightWander]
      for (const visit of nights) out.push(at(visit.fromMs, sensorSays(device, "left_bed")), at(visit.toMs, sensorSays(device, "returned_to_bed")))
      out.push(at(life.wakeMs, sensorSays(device, "left_bed")), at(life.bedMs, sensorSays(device, "returned_to_bed")))
      break
    }
    case "motion": {
      // Movement while up and at home, at most one report per hold-off period.
      for (let t = life.wakeMs + rng.int(1, 5) * MinuteMs; t < life.bedMs; t += rng.int(10, 40) * MinuteMs) {
        if (!inside(t, life.outings)) out.push(at(t, sensorSays(device, "activity")))
      }
      for (const visit of life.nightVisits) out.push(at(visit.fromMs + rng.int(30, 120) * 1000, sensorSays(device, "activity")))
      break
    }
    case "door": {
      for (const span of [...life.outings, ...life.careVisits]) doorPair(span)
      if (life.nightWander !== undefined) doorPair(life.nightWander)
      break
    }
    case "e_lock": {
      for (const visit of life.careVisits) {
        out.push(at(visit.fromMs - 30_000, sensorSays(device, "unlocked")), at(visit.toMs + 30_000, sensorSays(device, "locked")))
      }
      break
    }
    case "smoke":
      out.push(...falseAlarm(input, 1 / 500, 2, 6))
      break
    case "heat":
      out.push(...falseAlarm(input, 1 / 700, 2, 8))
      break
    case "water":
      out.push(...falseAlarm(input, 1 / 1000, 30, 120))
      break
    case "epilepsy": {
      // Seizures, often at night; the sensor restores when the movement stops.
      const start = dayStartMs(input.day, input.settings.utcOffsetMin)
      for (let i = poisson(rng, 1 / 14); i > 0; i--) {
        const when = start + (rng.chance(0.6) ? rng.next() * 7 : rng.next() * 24) * HourMs
        out.push(at(when, sensorSays(device, "triggered")), at(when + rng.int(1, 5) * MinuteMs, sensorSays(device, "restored")))
      }
      break
    }
  }
  return out
}

// Dose times by how many doses a day; the device's own schedule is drawn from its id, so it is the same every day.
const doseHours: Record<number, ReadonlyArray<number>> = { 1: [8], 2: [8, 20], 3: [8, 14, 20], 4: [8, 12, 17, 22] }

export const doseSchedule = (device: SimDevice): { readonly hours: ReadonlyArray<number>; readonly critical: number | undefined } => {
  let h = 7
  for (let i = 0; i < device.id.length; i++) h = (h * 33 + device.id.charCodeAt(i)) >>> 0
  const hours = doseHours[1 + (h % 4)]!
  return { hours, critical: (h >> 3) % 10 < 3 ? (h >> 5) % hours.length : undefined }
}

/** The dispenser offers each dose on schedule; most are taken within minutes, some late, some missed. */
const medicationDay: DayPlanner = ({ day, device, rng, settings }) => {
  const start = dayStartMs(day, settings.utcOffsetMin)
  const { critical, hours } = doseSchedule(device)
  const out: Array<Planned> = []
  hours.forEach((hour, i) => {
    const scheduled = start + hour * HourMs
    const dose = { doseId: `${device.id}-d${day}-${i + 1}`, scheduledAt: new Date(scheduled).toISOString(), ...(critical === i ? { critical: true } : {}) }
    out.push(at(scheduled, medication({ event: "dose_due", ...dose })))
    const outcome = rng.weighted([["taken", 86], ["late", 7], ["missed", 7]] as const)
    if (outcome === "taken") out.push(at(scheduled + rng.int(1, 25) * MinuteMs, medication({ event: "dose_taken", ...dose })))
    else if (outcome === "late") out.push(at(scheduled + rng.int(31, 90) * MinuteMs, medication({ event: "dose_late", ...dose })))
    else out.push(at(scheduled + 60 * MinuteMs, medication({ event: "dose_missed", ...dose })))
  })
  if (day % 14 === (hours.length * 3) % 14) out.push(at(start + 18 * HourMs, medication({ event: "refill_needed" })))
  if (rng.chance(1 / 150)) out.push(at(start + rng.next() * DayMs, medication({ event: "dispenser_jammed" })))
  if (rng.chance(1 / 60)) out.push(at(start + rng.next() * DayMs, medication({ event: "lid_open" })))
  return out
}

const StepMs = 60_000
const HomeReportMs = 15 * MinuteMs

/**
 * A tracker reports from home every 15 minutes and every minute while its wearer is out:
 * a walk away from home and back, heading drifting. A person with dementia now and then
 * keeps going past the geofence before turning (or being turned) home.
 */
const gps: DayPlanner = ({ day, device, life, resident, rng, settings }) => {
  const start = dayStartMs(day, settings.utcOffsetMin)
  const home = homeOf(resident)
  const { dementia } = traitsOf(resident)
  const forgotToCharge = rng.chance(0.06)
  const battery = (ms: number): number => {
    // Charged overnight, drained through the day; a forgotten charge drains it to almost nothing.
    const awake = Math.max(0, Math.min(1, (ms - life.wakeMs) / Math.max(1, life.bedMs - life.wakeMs)))
    return Math.max(1, Math.round(100 - awake * (forgotToCharge ? 92 : 55)))
  }
  const out: Array<Planned> = []
  const report = (ms: number, north: number, east: number, speedMps: number) => {
    const position = offsetPosition(home, north, east)
    const outside = resident.geofence !== undefined && distanceM(position, resident.geofence) > resident.geofence.radiusM
    out.push(at(ms, {
      type: "gps",
      payload: { ...position, accuracyM: speedMps > 0 ? rng.int(3, 15) : rng.int(15, 60), speedMps, batteryPct: battery(ms) }
    }, { outsideGeofence: outside }))
  }
  const walks = life.nightWander === undefined ? life.outings : [...life.outings, life.nightWander]
  const wandersOff = (span: Span) => dementia && (span === life.nightWander ? rng.chance(0.5) : rng.chance(settings.geofenceExitPerOuting))
  for (let t = start + rng.int(0, 14) * MinuteMs; t < start + DayMs; t += HomeReportMs) {
    if (!inside(t, walks)) report(t, (rng.next() - 0.5) * 20, (rng.next() - 0.5) * 20, 0)
  }
  for (const walk of walks) {
    const speed = 0.6 + rng.next() * 0.7
    const stepM = speed * StepMs / 1000
    const steps = Math.max(2, Math.floor((walk.toMs - walk.fromMs) / StepMs))
    // Turning well inside the fence leaves room for the last step and the position error.
    const turnAtM = wandersOff(walk)
      ? home.radiusM * (1.2 + rng.next() * 0.8)
      : Math.max(stepM, Math.min(home.radiusM - 2 * stepM - 15, (stepM * steps) / 2))
    let heading = rng.next() * 2 * Math.PI
    let north = 0, east = 0, outbound = true
    // Out until the turning distance, then home however long it takes (the walk may overrun its span).
    for (let i = 1; i < steps * 3; i++) {
      const distance = Math.hypot(north, east)
      if (outbound && distance >= turnAtM) outbound = false
      if (!outbound && distance < stepM) break
      heading = outbound ? heading + (rng.next() - 0.5) * 0.5 : Math.atan2(-north, -east) + (rng.next() - 0.5) * 0.6
      north += Math.sin(heading) * stepM
      east += Math.cos(heading) * stepM
      report(walk.fromMs + i * StepMs, north, east, Math.round(speed * 100) / 100)
    }
  }
  if (rng.chance(1 / 200)) {
    const when = life.wakeMs + rng.next() * (life.bedMs - life.wakeMs)
    out.push(at(when, { type: "gps", payload: { ...offsetPosition(home, 0, 0), accuracyM: 10, sos: true, batteryPct: battery(when) } }, { urgent: true }))
  }
  if (forgotToCharge) {
    const when = life.wakeMs + (life.bedMs - life.wakeMs) * 0.85
    out.push(at(when, technical({ event: "low_battery", batteryPct: battery(when) })))
  }
  return out
}

/** The behaviours that plan a device's day, by device type. */
export const plannersFor = (device: SimDevice): ReadonlyArray<readonly [BehaviourName, DayPlanner]> => {
  switch (device.type) {
    case "safety_alarm":
      return [["care_alarm", careAlarms], ["periodic_test", periodicTest], ["faults", faults]]
    case "sensor":
      return [["sensors", sensors], ["faults", faults]]
    case "gps":
      return [["gps", gps]]
    case "medication":
      return [["medication", medicationDay], ["faults", faults]]
  }
}
