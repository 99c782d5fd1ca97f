import type { DeviceEvent } from "@wt/contracts"
import { makeRng } from "@wt/seeded-random"
import type { Rng } from "@wt/seeded-random"
import { uuidv7 } from "../event-id.ts"
import type { SimDevice, SimFleet, SimResident } from "../fleet.ts"
import { BehaviourNames, plannersFor } from "./device-behaviours.ts"
import type { BehaviourName, BehaviourSettings, DayPlanner } from "./device-behaviours.ts"
import { technical } from "./draft.ts"
import type { Planned, Truth } from "./draft.ts"
import { dayStartMs, DefaultUtcOffsetMin, hashString, localDay } from "./local-time.ts"
import { residentDay } from "./resident-day.ts"
import type { ResidentDay } from "./resident-day.ts"
import { makeTimeQueue } from "./time-queue.ts"

export interface FleetModelOptions {
  readonly seed: number
  /** The simulated instant the model starts at; nothing before it is produced. */
  readonly startMs: number
  readonly utcOffsetMin?: number
  /** Default 0.15. */
  readonly careAlarmsPerResidentDay?: number
  /** Default 0.12. */
  readonly geofenceExitPerOuting?: number
  /** Overrides every device's registry interval (tests run the registry with short ones). */
  readonly heartbeatIntervalS?: number
  /** Each heartbeat lands within ± this share of the interval of its regular time. Default 0.1. */
  readonly heartbeatJitter?: number
  /** Only these behaviours (default all). */
  readonly only?: ReadonlyArray<BehaviourName>
  readonly vendor?: string
  /** Salts the event ids only, so a rerun with the same seed is not swallowed by JetStream's dedup window. */
  readonly idSalt?: number
}

/** A device event with what the model knows about it. */
export interface ModelEvent {
  readonly event: DeviceEvent
  readonly behaviour: BehaviourName
  readonly truth?: Truth
}

/** "safety_alarm", "sensor:bed", "gps", "medication": how summaries group devices. */
export const deviceClass = (device: SimDevice): string => (device.type === "sensor" ? `sensor:${device.sensor ?? "motion"}` : device.type)

/** A fleet living its days: every device's events, merged in time order. */
export interface FleetModel {
  readonly tenant: string
  readonly deviceCount: number
  readonly devices: ReadonlyArray<{ readonly device: SimDevice; readonly resident: SimResident }>
  readonly classOf: (deviceId: string) => string
  /** Every event before `untilMs` not yet taken, in time order. */
  readonly takeUntil: (untilMs: number) => Array<ModelEvent>
}

/** One behaviour of one device: when it next acts, and what it says then (nothing when it only planned ahead). */
interface Process {
  readonly behaviour: BehaviourName
  readonly device: SimDevice
  readonly nextDue: () => number
  readonly step: () => Planned | undefined
}

interface Unit {
  readonly device: SimDevice
  readonly resident: SimResident
}

const DefaultHeartbeatS = 60

export const makeFleetModel = (fleet: SimFleet, options: FleetModelOptions): FleetModel => {
  const settings: BehaviourSettings = {
    utcOffsetMin: options.utcOffsetMin ?? DefaultUtcOffsetMin,
    careAlarmsPerResidentDay: options.careAlarmsPerResidentDay ?? 0.15,
    geofenceExitPerOuting: options.geofenceExitPerOuting ?? 0.12
  }
  const only = new Set<BehaviourName>(options.only ?? BehaviourNames)
  const jitter = Math.max(0, Math.min(0.9, options.heartbeatJitter ?? 0.1))
  const units: Array<Unit> = fleet.residents.flatMap((resident) => resident.devices.map((device) => ({ device, resident })))
  const classes = new Map(units.map(({ device }) => [device.id, deviceClass(device)]))
  const source = { via: "sim" as const, vendor: options.vendor ?? "wt-sim" }
  const idRng = makeRng((options.seed ^ (options.idSalt ?? 0)) >>> 0, 0x1d)

  // The resident's day is shared by their devices; keep the last few days each.
  const lives = new Map<string, Map<number, ResidentDay>>()
  const lifeOf = (resident: SimResident, day: number): ResidentDay => {
    let days = lives.get(resident.id)
    if (days === undefined) lives.set(resident.id, days = new Map())
    let life = days.get(day)
    if (life === undefined) {
      life = residentDay(options.seed, resident, day, settings.utcOffsetMin)
      days.set(day, life)
      for (const old of days.keys()) if (old < day - 2) days.delete(old)
    }
    return life
  }

  const heartbeats = (unit: Unit, rng: Rng): Process => {
    const intervalMs = (options.heartbeatIntervalS ?? unit.device.heartbeatIntervalS ?? DefaultHeartbeatS) * 1000
    // Units were switched on at random moments: their phases are spread over one interval.
    let regular = options.startMs + rng.next() * intervalMs
    let due = Math.round(regular)
    return {
      behaviour: "heartbeat",
      device: unit.device,
      nextDue: () => due,
      step: () => {
        const planned: Planned = { atMs: due, draft: technical({ event: "heartbeat" }) }
        regular += intervalMs
        due = Math.max(due + 1, Math.round(regular + (rng.next() * 2 - 1) * jitter * intervalMs))
        return planned
      }
    }
  }

  // Every planned event of a day lies at or after the day's start (restores may run into later
  // days), so what is pending before the next unplanned day's start can leave in order.
  const dayPlans = (unit: Unit, behaviour: BehaviourName, planner: DayPlanner, stream: number): Process => {
    const base = (options.seed ^ hashString(unit.device.id)) >>> 0
    let day = localDay(options.startMs, settings.utcOffsetMin) - 1
    let horizonMs = dayStartMs(day + 1, settings.utcOffsetMin)
    const pending = makeTimeQueue<Planned>()
    let order = 0
    return {
      behaviour,
      device: unit.device,
      nextDue: () => Math.min(pending.peekMs(), horizonMs),
      step: () => {
        if (pending.peekMs() < horizonMs) return pending.pop()!.item
        day += 1
        horizonMs = dayStartMs(day + 1, settings.utcOffsetMin)
        const rng = makeRng(base, day * 8 + stream)
        for (const planned of planner({ device: unit.device, resident: unit.resident, day, life: lifeOf(unit.resident, day), rng, settings })) {
          if (planned.atMs >= options.startMs) pending.push(planned.atMs, order++, planned)
        }
        return undefined
      }
    }
  }

  const queue = makeTimeQueue<Process>()
  let order = 0
  for (const unit of units) {
    const deviceSeed = (options.seed ^ hashString(unit.device.id)) >>> 0
    if (only.has("heartbeat")) {
      const process = heartbeats(unit, makeRng(deviceSeed, 7))
      queue.push(process.nextDue(), order++, process)
    }
    plannersFor(unit.device).forEach(([behaviour, planner], stream) => {
      if (!only.has(behaviour)) return
      const process = dayPlans(unit, behaviour, planner, stream)
      queue.push(process.nextDue(), order++, process)
    })
  }

  const takeUntil = (untilMs: number): Array<ModelEvent> => {
    const out: Array<ModelEvent> = []
    while (queue.peekMs() < untilMs) {
      const process = queue.pop()!.item
      const planned = process.step()
      queue.push(process.nextDue(), order++, process)
      if (planned === undefined) continue
      out.push({
        event: {
          id: uuidv7(planned.atMs, idRng),
          tenant: fleet.tenant.id,
          deviceId: process.device.id,
          occurredAt: new Date(planned.atMs).toISOString(),
          source,
          ...planned.draft
        } as DeviceEvent,
        behaviour: process.behaviour,
        ...(planned.truth !== undefined ? { truth: planned.truth } : {})
      })
    }
    return out
  }

  return {
    tenant: fleet.tenant.id,
    deviceCount: units.length,
    devices: units,
    classOf: (deviceId) => classes.get(deviceId) ?? "unknown",
    takeUntil
  }
}
