import { Result, Schema } from "effect"
import type {
  DeviceEvent,
  DeviceEventType,
  GpsPayload,
  MedicationPayload,
  SafetyAlarmPayload,
  SensorPayload,
  TechnicalPayload
} from "@wt/contracts"
import { uuidv7 } from "./event-id.ts"
import type { SimDevice, SimFleet, SimResident } from "./fleet.ts"
import { makeHeartbeatSchedule } from "./heartbeat-schedule.ts"
import { makeRng } from "@wt/seeded-random"
import type { Rng } from "@wt/seeded-random"

/**
 * `normal`: what a quiet evening looks like — heartbeats and telemetry, care alarms rare.
 * `alarms-only`: only what should reach an operator (care alarms, hazards, SOS, missed doses).
 */
export const Mixes = ["normal", "alarms-only"] as const
export type Mix = (typeof Mixes)[number]

export interface FleetEventsOptions {
  readonly seed: number
  readonly mix?: Mix
  /** Only events of this type. */
  readonly only?: DeviceEventType
  /**
   * Salts the event ids only: two runs with the same seed then send the same traffic
   * under different ids, so the second is not swallowed by the stream's dedup window.
   */
  readonly idSalt?: number
  readonly vendor?: string
}

/** A deterministic source of canonical device events for one fleet. */
export interface FleetEvents {
  readonly tenant: string
  readonly deviceCount: number
  /** The event kinds this source can produce, with their relative weights. */
  readonly kinds: ReadonlyArray<{ readonly name: string; readonly type: DeviceEventType; readonly weight: number }>
  /**
   * The next event at `nowMs`. Devices whose heartbeat is due report first; otherwise an
   * event is drawn from the mix. Same seed and same sequence of `nowMs` give the same events.
   */
  readonly next: (nowMs: number) => DeviceEvent
}

export class NothingToSimulate extends Schema.TaggedError<NothingToSimulate>()("NothingToSimulate", {
  reason: Schema.String
}) {}

type Draft =
  | { readonly type: "safety_alarm"; readonly payload: typeof SafetyAlarmPayload.Type }
  | { readonly type: "sensor"; readonly payload: typeof SensorPayload.Type }
  | { readonly type: "gps"; readonly payload: typeof GpsPayload.Type }
  | { readonly type: "medication"; readonly payload: typeof MedicationPayload.Type }
  | { readonly type: "technical"; readonly payload: typeof TechnicalPayload.Type }

interface Unit {
  readonly device: SimDevice
  readonly resident: SimResident
}

interface GpsTrack {
  north: number
  east: number
  batteryPct: number
  wanderingFor: number
}

interface Dose {
  readonly doseId: string
  readonly scheduledAt: string
}

interface Context {
  readonly rng: Rng
  readonly nowMs: number
  /** Flips a two-state device (door open/closed, bed left/returned …); true on the first call. */
  readonly toggle: (key: string) => boolean
  readonly track: (unit: Unit) => GpsTrack
  readonly doses: Map<string, Dose>
  readonly nextDoseId: (deviceId: string) => string
}

interface Kind {
  readonly name: string
  readonly type: DeviceEventType
  readonly weight: { readonly normal: number; readonly alarms: number }
  readonly pool: string
  readonly make: (unit: Unit, ctx: Context) => Draft
}

const DefaultHeartbeatS = 60
const DefaultRadiusM = 500
// Fjordvik town centre (fictional demo municipality), for devices with no known home.
const DefaultCentre = { lat: 69.148, lon: 17.412 }
const MetresPerDegree = 111_320
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits
const iso = (ms: number): string => new Date(ms).toISOString()

const technical = (payload: typeof TechnicalPayload.Type): Draft => ({ type: "technical", payload })
const sensor = (unit: Unit, state: typeof SensorPayload.Type["state"]): Draft => ({
  type: "sensor",
  payload: {
    sensor: unit.device.sensor ?? "motion",
    state,
    ...(unit.device.placement !== undefined ? { placement: unit.device.placement } : {})
  }
})
const medication = (payload: typeof MedicationPayload.Type): Draft => ({ type: "medication", payload })

const centreOf = (resident: SimResident): { readonly lat: number; readonly lon: number; readonly radiusM: number } => {
  const home = resident.geofence ?? resident.addresses?.[0] ?? DefaultCentre
  return { lat: home.lat, lon: home.lon, radiusM: resident.geofence?.radiusM ?? DefaultRadiusM }
}

const position = (unit: Unit, north: number, east: number, ctx: Context, extra: Partial<typeof GpsPayload.Type>): Draft => {
  const centre = centreOf(unit.resident)
  const lat = Math.max(-89.9, Math.min(89.9, centre.lat + north / MetresPerDegree))
  const lonRaw = centre.lon + east / (MetresPerDegree * Math.cos((lat * Math.PI) / 180))
  const lon = ((((lonRaw + 180) % 360) + 360) % 360) - 180
  const track = ctx.track(unit)
  return {
    type: "gps",
    payload: {
      lat: round(lat, 6),
      lon: round(lon, 6),
      accuracyM: ctx.rng.chance(0.85) ? ctx.rng.int(3, 15) : ctx.rng.int(20, 80),
      batteryPct: Math.round(track.batteryPct),
      ...extra
    }
  }
}

/** One step of a wearer's walk: mostly near home, now and then wandering off for a while. */
const walk = (unit: Unit, ctx: Context): Draft => {
  const { rng } = ctx
  const track = ctx.track(unit)
  const { radiusM } = centreOf(unit.resident)
  const distance = Math.hypot(track.north, track.east)
  if (track.wanderingFor === 0 && rng.chance(0.001)) track.wanderingFor = rng.int(20, 60)
  const step = rng.next() * 30
  let heading = rng.next() * 2 * Math.PI
  if (track.wanderingFor > 0) {
    track.wanderingFor -= 1
    // Head away from home, roughly.
    if (distance > 1) heading = Math.atan2(track.north, track.east) + (rng.next() - 0.5)
  } else if (distance > radiusM * 0.7) {
    heading = Math.atan2(-track.north, -track.east) + (rng.next() - 0.5)
  }
  track.north += Math.sin(heading) * step
  track.east += Math.cos(heading) * step
  track.batteryPct -= 0.05 + rng.next() * 0.15
  if (track.batteryPct < 8) track.batteryPct = 100
  return position(unit, track.north, track.east, ctx, { speedMps: round(step / 30, 2) })
}

const triggerWeights: ReadonlyArray<readonly [typeof SafetyAlarmPayload.Type["trigger"], number]> = [
  ["pendant", 45],
  ["button", 30],
  ["pull_cord", 10],
  ["fall_detector", 10],
  ["voice_call_failed", 5]
]

const hazard = (kind: "smoke" | "heat" | "water" | "epilepsy", normal: number, alarms: number): ReadonlyArray<Kind> => [
  {
    name: `${kind}`,
    type: "sensor",
    weight: { normal, alarms: 0 },
    pool: `sensor:${kind}`,
    make: (unit, ctx) => sensor(unit, ctx.toggle(`${kind}:${unit.device.id}`) ? "triggered" : "restored")
  },
  { name: `${kind}_triggered`, type: "sensor", weight: { normal: 0, alarms }, pool: `sensor:${kind}`, make: (unit) => sensor(unit, "triggered") }
]

const kinds: ReadonlyArray<Kind> = [
  // technical: "heartbeat" is also driven by each device's own interval, see `next`
  { name: "heartbeat", type: "technical", weight: { normal: 50, alarms: 0 }, pool: "all", make: () => technical({ event: "heartbeat" }) },
  { name: "periodic_test", type: "technical", weight: { normal: 0.5, alarms: 0 }, pool: "safety_alarm", make: () => technical({ event: "periodic_test" }) },
  {
    name: "low_battery",
    type: "technical",
    weight: { normal: 0.2, alarms: 0 },
    pool: "all",
    make: (_, ctx) => technical({ event: "low_battery", batteryPct: ctx.rng.int(3, 15) })
  },
  {
    name: "power",
    type: "technical",
    weight: { normal: 0.1, alarms: 0 },
    pool: "mains",
    make: (unit, ctx) => technical({ event: ctx.toggle(`power:${unit.device.id}`) ? "power_lost" : "power_restored" })
  },
  {
    name: "communication",
    type: "technical",
    weight: { normal: 0.05, alarms: 0 },
    pool: "all",
    make: (unit, ctx) =>
      technical({ event: ctx.toggle(`comm:${unit.device.id}`) ? "communication_failure" : "communication_restored" })
  },
  { name: "tamper", type: "technical", weight: { normal: 0.01, alarms: 0 }, pool: "all", make: () => technical({ event: "tamper" }) },

  // gps
  { name: "gps_position", type: "gps", weight: { normal: 20, alarms: 0 }, pool: "gps", make: walk },
  {
    name: "gps_sos",
    type: "gps",
    weight: { normal: 0.02, alarms: 4 },
    pool: "gps",
    make: (unit, ctx) => {
      const track = ctx.track(unit)
      return position(unit, track.north, track.east, ctx, { sos: true })
    }
  },
  {
    name: "gps_outside_zone",
    type: "gps",
    weight: { normal: 0, alarms: 3 },
    pool: "gps",
    make: (unit, ctx) => {
      const distance = centreOf(unit.resident).radiusM * (1.5 + ctx.rng.next() * 1.5)
      const heading = ctx.rng.next() * 2 * Math.PI
      return position(unit, Math.sin(heading) * distance, Math.cos(heading) * distance, ctx, { speedMps: round(ctx.rng.next() * 1.5, 2) })
    }
  },

  // sensors
  { name: "motion_activity", type: "sensor", weight: { normal: 8, alarms: 0 }, pool: "sensor:motion", make: (unit) => sensor(unit, "activity") },
  { name: "motion_no_activity", type: "sensor", weight: { normal: 0, alarms: 2 }, pool: "sensor:motion", make: (unit) => sensor(unit, "no_activity") },
  {
    name: "door",
    type: "sensor",
    weight: { normal: 4, alarms: 0 },
    pool: "sensor:door",
    make: (unit, ctx) => sensor(unit, ctx.toggle(`door:${unit.device.id}`) ? "opened" : "closed")
  },
  { name: "door_opened", type: "sensor", weight: { normal: 0, alarms: 5 }, pool: "sensor:door", make: (unit) => sensor(unit, "opened") },
  {
    name: "bed",
    type: "sensor",
    weight: { normal: 4, alarms: 0 },
    pool: "sensor:bed",
    make: (unit, ctx) => sensor(unit, ctx.toggle(`bed:${unit.device.id}`) ? "left_bed" : "returned_to_bed")
  },
  { name: "bed_left", type: "sensor", weight: { normal: 0, alarms: 6 }, pool: "sensor:bed", make: (unit) => sensor(unit, "left_bed") },
  {
    name: "e_lock",
    type: "sensor",
    weight: { normal: 1, alarms: 0 },
    pool: "sensor:e_lock",
    make: (unit, ctx) => sensor(unit, ctx.toggle(`lock:${unit.device.id}`) ? "unlocked" : "locked")
  },
  ...hazard("smoke", 0.03, 6),
  ...hazard("heat", 0.03, 3),
  ...hazard("water", 0.03, 3),
  ...hazard("epilepsy", 0.03, 3),

  // safety alarms
  {
    name: "safety_alarm",
    type: "safety_alarm",
    weight: { normal: 0.3, alarms: 50 },
    pool: "safety_alarm",
    make: (unit, ctx) => {
      const allowed = unit.device.triggers
      const weights = allowed === undefined ? triggerWeights : triggerWeights.filter(([t]) => allowed.includes(t))
      return { type: "safety_alarm", payload: { trigger: ctx.rng.weighted(weights.length > 0 ? weights : triggerWeights) } }
    }
  },

  // medication: a dose falls due, then is taken (or late); sometimes it is missed
  {
    name: "medication_routine",
    type: "medication",
    weight: { normal: 3, alarms: 0 },
    pool: "medication",
    make: (unit, ctx) => {
      const pending = ctx.doses.get(unit.device.id)
      if (pending === undefined) {
        const dose = { doseId: ctx.nextDoseId(unit.device.id), scheduledAt: iso(Math.floor(ctx.nowMs / 60_000) * 60_000) }
        ctx.doses.set(unit.device.id, dose)
        return medication({ event: "dose_due", ...dose })
      }
      ctx.doses.delete(unit.device.id)
      return medication({ event: ctx.rng.chance(0.85) ? "dose_taken" : "dose_late", ...pending })
    }
  },
  {
    name: "dose_missed",
    type: "medication",
    weight: { normal: 0.2, alarms: 6 },
    pool: "medication",
    make: (unit, ctx) => {
      const dose = ctx.doses.get(unit.device.id) ??
        { doseId: ctx.nextDoseId(unit.device.id), scheduledAt: iso(Math.floor(ctx.nowMs / 60_000) * 60_000 - 45 * 60_000) }
      ctx.doses.delete(unit.device.id)
      return medication({ event: "dose_missed", ...dose, ...(ctx.rng.chance(0.2) ? { critical: true } : {}) })
    }
  },
  { name: "dispenser_jammed", type: "medication", weight: { normal: 0.02, alarms: 1 }, pool: "medication", make: () => medication({ event: "dispenser_jammed" }) },
  { name: "refill_needed", type: "medication", weight: { normal: 0.1, alarms: 0 }, pool: "medication", make: () => medication({ event: "refill_needed" }) },
  { name: "lid_open", type: "medication", weight: { normal: 0.05, alarms: 0 }, pool: "medication", make: () => medication({ event: "lid_open" }) }
]

const poolsOf = (fleet: SimFleet): Map<string, Array<Unit>> => {
  const pools = new Map<string, Array<Unit>>()
  const add = (key: string, unit: Unit) => {
    const pool = pools.get(key)
    if (pool === undefined) pools.set(key, [unit])
    else pool.push(unit)
  }
  for (const resident of fleet.residents) {
    for (const device of resident.devices) {
      const unit = { device, resident }
      add("all", unit)
      add(device.type === "sensor" ? `sensor:${device.sensor ?? "motion"}` : device.type, unit)
      if (device.type === "safety_alarm" || device.type === "medication") add("mains", unit)
    }
  }
  return pools
}

export const makeFleetEvents = (fleet: SimFleet, options: FleetEventsOptions): Result.Result<FleetEvents, NothingToSimulate> => {
  const mix = options.mix ?? "normal"
  const pools = poolsOf(fleet)
  const all = pools.get("all") ?? []
  const active = kinds
    .map((kind) => ({ kind, weight: mix === "normal" ? kind.weight.normal : kind.weight.alarms }))
    .filter(({ kind, weight }) =>
      weight > 0 && (options.only === undefined || kind.type === options.only) && (pools.get(kind.pool)?.length ?? 0) > 0
    )
  if (active.length === 0) {
    return Result.fail(
      new NothingToSimulate({
        reason: `no ${options.only ?? "device"} events in mix "${mix}" for a fleet of ${all.length} devices`
      })
    )
  }

  const rng = makeRng(options.seed, 1)
  const idRng = makeRng(options.seed ^ (options.idSalt ?? 0), 2)
  const tenant = fleet.tenant.id
  const source = { via: "sim" as const, vendor: options.vendor ?? "wt-sim" }
  const weighted = active.map(({ kind, weight }) => [kind, weight] as const)
  const heartbeats = active.some(({ kind }) => kind.name === "heartbeat")
  const intervalMs = (unit: Unit): number => (unit.device.heartbeatIntervalS ?? DefaultHeartbeatS) * 1000

  const toggles = new Map<string, boolean>()
  const tracks = new Map<string, GpsTrack>()
  const doseCounters = new Map<string, number>()
  const doses = new Map<string, Dose>()
  let schedule: ReturnType<typeof makeHeartbeatSchedule> | undefined
  let lastMs = -Infinity

  const context = (nowMs: number): Context => ({
    rng,
    nowMs,
    toggle: (key) => {
      const state = !(toggles.get(key) ?? false)
      toggles.set(key, state)
      return state
    },
    track: (unit) => {
      let track = tracks.get(unit.device.id)
      if (track === undefined) {
        const { radiusM } = centreOf(unit.resident)
        const r = rng.next() * radiusM * 0.3
        const a = rng.next() * 2 * Math.PI
        track = { north: Math.sin(a) * r, east: Math.cos(a) * r, batteryPct: rng.int(30, 100), wanderingFor: 0 }
        tracks.set(unit.device.id, track)
      }
      return track
    },
    doses,
    nextDoseId: (deviceId) => {
      const n = (doseCounters.get(deviceId) ?? 0) + 1
      doseCounters.set(deviceId, n)
      return `${deviceId}-dose-${n}`
    }
  })

  const emit = (unit: Unit, draft: Draft, nowMs: number): DeviceEvent => ({
    id: uuidv7(nowMs, idRng),
    tenant,
    deviceId: unit.device.id,
    occurredAt: iso(nowMs),
    source,
    ...draft
  })

  const next = (requestedMs: number): DeviceEvent => {
    // Events leave in order, so time never runs backwards within one source.
    const nowMs = Math.max(requestedMs, lastMs)
    lastMs = nowMs
    if (heartbeats) {
      // First call: spread the first heartbeats over one interval so they do not all land at once.
      schedule ??= makeHeartbeatSchedule(all.map((unit) => nowMs + Math.floor(rng.next() * intervalMs(unit))))
      const due = schedule.peek()
      if (due !== undefined && due.dueMs <= nowMs) {
        const unit = all[due.device]!
        const regular = due.dueMs + intervalMs(unit)
        schedule.reschedule(regular > nowMs ? regular : nowMs + intervalMs(unit))
        return emit(unit, technical({ event: "heartbeat" }), nowMs)
      }
    }
    const kind = rng.weighted(weighted)
    if (kind.name === "heartbeat" && schedule !== undefined) {
      // A heartbeat beyond the schedule: bring forward the device that is due soonest.
      const unit = all[schedule.peek()!.device]!
      schedule.reschedule(nowMs + intervalMs(unit))
      return emit(unit, kind.make(unit, context(nowMs)), nowMs)
    }
    const unit = rng.pick(pools.get(kind.pool)!)
    return emit(unit, kind.make(unit, context(nowMs)), nowMs)
  }

  return Result.succeed({
    tenant,
    deviceCount: all.length,
    kinds: active.map(({ kind, weight }) => ({ name: kind.name, type: kind.type, weight })),
    next
  })
}

/** `count` events from a fresh source, starting at `startMs` and `stepMs` apart. */
export const generateEvents = (
  fleet: SimFleet,
  options: FleetEventsOptions,
  count: number,
  clock: { readonly startMs: number; readonly stepMs: number }
): Result.Result<Array<DeviceEvent>, NothingToSimulate> =>
  Result.map(makeFleetEvents(fleet, options), (source) =>
    Array.from({ length: count }, (_, i) => source.next(clock.startMs + i * clock.stepMs))
  )
