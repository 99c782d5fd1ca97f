import type { DeviceEvent, SensorKind } from "@wt/contracts"
import { makeRng } from "@wt/seeded-random"
import type { Rng } from "@wt/seeded-random"
import { uuidv7 } from "../event-id.ts"
import type { SimDevice, SimFleet } from "../fleet.ts"
import type { ModelEvent } from "../model/fleet-model.ts"
import type { Draft } from "../model/draft.ts"
import type { Disturbance } from "./scenario.ts"

/** Where an event sent in a scenario came from. */
export type Origin = "model" | "flush" | "fire" | "sensor_flood"

export interface ScenarioEvent extends ModelEvent {
  readonly origin: Origin
}

export interface DisturbanceStats {
  /** Devices silenced by an outage. */
  readonly silentDevices: number
  /** Events held back by silent devices so far. */
  readonly buffered: number
  /** Of those, sent on reconnecting. */
  readonly flushed: number
  /** Events a disturbance added, by disturbance, so far. */
  readonly injected: Readonly<Record<string, number>>
}

/**
 * The scenario's disturbances laid over the fleet model's events: events a disturbance adds
 * (a fire, a flooding sensor) join in time order; an outage holds back its silent devices'
 * events and releases them all at once when the network returns. Pure and seeded.
 */
export interface Disturbances {
  /** What leaves by `untilMs`, given the model's events up to then. */
  readonly apply: (events: ReadonlyArray<ModelEvent>, untilMs: number) => Array<ScenarioEvent>
  readonly stats: () => DisturbanceStats
  /** Events still held by silent devices (an outage running past the end of the run). */
  readonly held: () => number
}

type SensorState = Extract<Draft, { type: "sensor" }>["payload"]["state"]
const floodStates: Record<typeof SensorKind.Type, readonly [SensorState, SensorState]> = {
  motion: ["activity", "activity"],
  door: ["opened", "closed"],
  bed: ["left_bed", "returned_to_bed"],
  e_lock: ["unlocked", "locked"],
  smoke: ["triggered", "restored"],
  heat: ["triggered", "restored"],
  water: ["triggered", "restored"],
  epilepsy: ["triggered", "restored"]
}

const shuffled = <A>(items: ReadonlyArray<A>, rng: Rng): Array<A> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

export interface DisturbanceOptions {
  readonly fleet: SimFleet
  readonly disturbances: ReadonlyArray<Disturbance>
  readonly simStartMs: number
  readonly seed: number
  readonly idSalt?: number
  readonly vendor?: string
}

export const makeDisturbances = (options: DisturbanceOptions): Disturbances => {
  const { fleet, simStartMs } = options
  const rng = makeRng(options.seed >>> 0, 0xd15)
  const idRng = makeRng((options.seed ^ (options.idSalt ?? 0)) >>> 0, 0xd16)
  const source = { via: "sim" as const, vendor: options.vendor ?? "wt-sim" }
  const units = fleet.residents.flatMap((resident) => resident.devices.map((device) => ({ device, resident })))
  const injected: Array<ScenarioEvent> = []
  const injectedCounts: Record<string, number> = {}
  const inject = (device: SimDevice, atMs: number, draft: Draft, origin: Origin, urgent?: boolean) => {
    injected.push({
      event: { id: uuidv7(atMs, idRng), tenant: fleet.tenant.id, deviceId: device.id, occurredAt: new Date(Math.round(atMs)).toISOString(), source, ...draft } as DeviceEvent,
      behaviour: "sensors",
      origin,
      ...(urgent !== undefined ? { truth: { urgent } } : {})
    })
  }
  const sensorDraft = (device: SimDevice, state: SensorState): Draft => ({
    type: "sensor",
    payload: { sensor: device.sensor ?? "motion", state, ...(device.placement !== undefined ? { placement: device.placement } : {}) }
  })

  interface Outage {
    readonly fromMs: number
    readonly toMs: number
    readonly devices: ReadonlySet<string>
    readonly buffer: Array<ScenarioEvent>
    flushed: boolean
  }
  const outages: Array<Outage> = []

  for (const d of options.disturbances) {
    const atMs = simStartMs + d.atS * 1000
    switch (d.kind) {
      case "network_outage": {
        const silent = shuffled(units, rng).slice(0, Math.round(units.length * d.share))
        outages.push({ fromMs: atMs, toMs: atMs + d.durationS * 1000, devices: new Set(silent.map((u) => u.device.id)), buffer: [], flushed: false })
        break
      }
      case "fire": {
        const homes = shuffled(fleet.residents.filter((r) => r.devices.some((dev) => dev.sensor === "smoke")), rng).slice(0, d.homes)
        homes.forEach((resident, i) => {
          const start = atMs + i * (d.spreadS ?? 60) * 1000
          const smoke = resident.devices.find((dev) => dev.sensor === "smoke")!
          inject(smoke, start, sensorDraft(smoke, "triggered"), "fire", true)
          const heat = resident.devices.find((dev) => dev.sensor === "heat")
          if (heat !== undefined) inject(heat, start + rng.int(30, 90) * 1000, sensorDraft(heat, "triggered"), "fire", true)
          const alarm = resident.devices.find((dev) => dev.type === "safety_alarm")
          if (alarm !== undefined && rng.chance(0.6)) inject(alarm, start + rng.int(20, 120) * 1000, { type: "safety_alarm", payload: { trigger: "pendant" } }, "fire", true)
          // The fire service has it out and the detectors clear.
          inject(smoke, start + rng.int(20, 40) * 60_000, sensorDraft(smoke, "restored"), "fire", false)
          if (heat !== undefined) inject(heat, start + rng.int(20, 40) * 60_000, sensorDraft(heat, "restored"), "fire", false)
        })
        break
      }
      case "sensor_flood": {
        const candidates = units.filter((u) => u.device.type === "sensor" && (u.device.sensor ?? "motion") === d.sensor)
        if (candidates.length === 0) break
        const broken = rng.pick(candidates).device
        const states = floodStates[d.sensor]
        const stepMs = 1000 / d.perSecond
        const count = Math.floor(d.durationS * d.perSecond)
        for (let i = 0; i < count; i++) inject(broken, atMs + i * stepMs + rng.next() * stepMs * 0.5, sensorDraft(broken, states[i % 2]!), "sensor_flood")
        break
      }
    }
  }
  injected.sort((a, b) => a.event.occurredAt < b.event.occurredAt ? -1 : a.event.occurredAt > b.event.occurredAt ? 1 : 0)
  let nextInjected = 0
  let buffered = 0, flushed = 0

  const apply = (events: ReadonlyArray<ModelEvent>, untilMs: number): Array<ScenarioEvent> => {
    const fromModel = events.map((e): ScenarioEvent => ({ ...e, origin: "model" }))
    const due: Array<ScenarioEvent> = []
    while (nextInjected < injected.length && Date.parse(injected[nextInjected]!.event.occurredAt) < untilMs) {
      const e = injected[nextInjected++]!
      injectedCounts[e.origin] = (injectedCounts[e.origin] ?? 0) + 1
      due.push(e)
    }
    const merged = due.length === 0 ? fromModel : [...fromModel, ...due].sort((a, b) => a.event.occurredAt < b.event.occurredAt ? -1 : a.event.occurredAt > b.event.occurredAt ? 1 : 0)
    const out: Array<ScenarioEvent> = []
    // The network is back: every silent device sends its buffer at once, oldest first.
    const reconnect = (nowMs: number) => {
      for (const outage of outages) {
        if (outage.flushed || nowMs < outage.toMs) continue
        outage.flushed = true
        for (const e of outage.buffer) out.push({ ...e, origin: "flush" })
        flushed += outage.buffer.length
        outage.buffer.length = 0
      }
    }
    for (const e of merged) {
      const t = Date.parse(e.event.occurredAt)
      reconnect(t)
      const outage = outages.find((o) => !o.flushed && t >= o.fromMs && t < o.toMs && o.devices.has(e.event.deviceId))
      if (outage === undefined) out.push(e)
      else {
        outage.buffer.push(e)
        buffered++
      }
    }
    reconnect(untilMs)
    return out
  }

  return {
    apply,
    stats: () => ({
      silentDevices: outages.reduce((n, o) => n + o.devices.size, 0),
      buffered,
      flushed,
      injected: { ...injectedCounts }
    }),
    held: () => outages.reduce((n, o) => n + o.buffer.length, 0)
  }
}
