import { describe, expect, it } from "@effect/vitest"
import { DeviceEvent, DeviceEventTypes, laneOf } from "@wt/contracts"
import type { DeviceEventType } from "@wt/contracts"
import { Effect, Exit, Result, Schema } from "effect"
import fc from "fast-check"
import { decodeRegistryExport, demoSimFleet } from "./fleet.ts"
import { generateEvents, makeFleetEvents, Mixes } from "./fleet-events.ts"
import type { FleetEventsOptions } from "./fleet-events.ts"
import type { SimFleet } from "./fleet.ts"

const decode = Schema.decodeUnknownExit(DeviceEvent)
const start = Date.parse("2026-11-25T21:00:00.000Z")
const fleet = demoSimFleet({ residents: 300 })

const events = (f: SimFleet, options: FleetEventsOptions, count: number, stepMs = 1) =>
  Result.getOrThrow(generateEvents(f, options, count, { startMs: start, stepMs }))

const countBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1
  return counts
}

describe("fleet events", () => {
  it("the normal mix produces all five types, mostly heartbeats and telemetry, care alarms rare", () => {
    const sample = events(fleet, { seed: 7 }, 20_000)
    const byType = countBy(sample, (e) => e.type)
    expect(Object.keys(byType).sort()).toEqual([...DeviceEventTypes].sort())
    const heartbeats = sample.filter((e) => e.type === "technical" && e.payload.event === "heartbeat").length
    const telemetry = (byType.gps ?? 0) + sample.filter((e) => e.type === "sensor" && e.payload.state === "activity").length
    expect((heartbeats + telemetry) / sample.length).toBeGreaterThan(0.7)
    expect((byType.safety_alarm ?? 0) / sample.length).toBeLessThan(0.01)
  })

  it("every generated event decodes as a canonical DeviceEvent, whatever the seed, mix, type or fleet size", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom(...Mixes),
        fc.option(fc.constantFrom(...DeviceEventTypes), { nil: undefined }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2000 }),
        (seed, mix, only, residents, stepMs) => {
          const f = demoSimFleet({ residents, seed: seed ^ 0x5a5a })
          const source = makeFleetEvents(f, { seed, mix, ...(only !== undefined ? { only } : {}) })
          // Some combinations are legitimately empty (no GPS wearer in a tiny fleet, no technical alarms).
          if (Result.isFailure(source)) return true
          const ids = new Set<string>()
          for (let i = 0; i < 300; i++) {
            const event = source.success.next(start + i * stepMs)
            const exit = decode(JSON.parse(JSON.stringify(event)))
            if (!Exit.isSuccess(exit)) throw new Error(`does not decode: ${JSON.stringify(event)}: ${String(exit.cause)}`)
            if (only !== undefined && event.type !== only) throw new Error(`expected only ${only}, got ${event.type}`)
            ids.add(event.id)
          }
          return ids.size === 300
        }
      ),
      { numRuns: 150 }
    )
  })

  it("is deterministic for a seed, and a different seed gives different traffic", () => {
    expect(events(fleet, { seed: 42 }, 2_000)).toEqual(events(fleet, { seed: 42 }, 2_000))
    const other = events(fleet, { seed: 43 }, 2_000)
    expect(other.map((e) => `${e.deviceId}/${e.type}`)).not.toEqual(events(fleet, { seed: 42 }, 2_000).map((e) => `${e.deviceId}/${e.type}`))
  })

  it("an id salt changes only the ids, so a rerun is not taken for a duplicate", () => {
    const a = events(fleet, { seed: 42, idSalt: 1 }, 500)
    const b = events(fleet, { seed: 42, idSalt: 2 }, 500)
    expect(a.map(({ id: _, ...rest }) => rest)).toEqual(b.map(({ id: _, ...rest }) => rest))
    const ids = new Set([...a, ...b].map((e) => e.id))
    expect(ids.size).toBe(1_000)
  })

  it("every device sends a heartbeat at its interval", () => {
    const small = demoSimFleet({ residents: 10 })
    const devices = small.residents.flatMap((r) => r.devices.map((d) => d.id))
    // 4 minutes at 10 events/s, technical only: heartbeats are due every 60 s.
    const sample = events(small, { seed: 1, only: "technical" }, 2_400, 100)
    const beats = countBy(sample.filter((e) => e.type === "technical" && e.payload.event === "heartbeat"), (e) => e.deviceId)
    for (const id of devices) expect(beats[id] ?? 0).toBeGreaterThanOrEqual(3)
  })

  it("alarms-only sends only what should reach an operator", () => {
    const sample = events(fleet, { seed: 3, mix: "alarms-only" }, 5_000)
    expect(sample.filter((e) => e.type === "technical")).toEqual([])
    for (const e of sample) {
      if (e.type === "gps") expect(laneOf(e.type)).toBe("telemetry")
      else expect(laneOf(e.type)).toBe("alarm")
      if (e.type === "sensor") expect(["triggered", "left_bed", "opened", "no_activity"]).toContain(e.payload.state)
      if (e.type === "medication") expect(["dose_missed", "dispenser_jammed"]).toContain(e.payload.event)
    }
    expect(Object.keys(countBy(sample, (e) => e.type)).sort()).toEqual(["gps", "medication", "safety_alarm", "sensor"])
  })

  it.each(DeviceEventTypes)("--type %s sends only that type", (type: DeviceEventType) => {
    const sample = events(fleet, { seed: 5, only: type }, 1_000)
    expect(new Set(sample.map((e) => e.type))).toEqual(new Set([type]))
  })

  it("says so when a mix has nothing of the requested type", () => {
    const source = makeFleetEvents(fleet, { seed: 1, mix: "alarms-only", only: "technical" })
    expect(Result.isFailure(source) && source.failure._tag).toBe("NothingToSimulate")
  })

  it.effect("runs from a `wt registry export` file as well as from the demo fleet", () =>
    Effect.gen(function*() {
      const exported = {
        tenant: "demo",
        residents: [
          { id: "res-0001", displayName: "Kari Nordmann", devices: [{ id: "alarm-000001", type: "safety_alarm", placement: "hallway" }] },
          { id: "res-0002", devices: [{ id: "sens-000001", type: "sensor", sensor: "bed", placement: "bedroom" }, { id: "gps-000001", type: "gps" }] }
        ]
      }
      const f = yield* decodeRegistryExport(exported)
      const sample = events(f, { seed: 9 }, 2_000)
      expect(new Set(sample.map((e) => e.deviceId))).toEqual(new Set(["alarm-000001", "sens-000001", "gps-000001"]))
      expect(sample.every((e) => e.tenant === "demo" && Exit.isSuccess(decode(e)))).toBe(true)
    }))
})
