import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { demoSimFleet } from "../fleet.ts"
import { makeFleetModel } from "../model/fleet-model.ts"
import { localHour } from "../model/local-time.ts"
import { makeDisturbances } from "./disturbances.ts"
import type { ScenarioEvent } from "./disturbances.ts"
import { loadScenario, scenarioNames } from "./scenario.ts"
import type { Disturbance } from "./scenario.ts"
import { parseDuration } from "./scenario-command.ts"
import { simStartFor } from "./sim-start.ts"

const start = Date.parse("2026-11-25T09:00:00.000Z")
const fleet = demoSimFleet({ residents: 50 })

/** Plays model + disturbances in ticks, as the runner does. */
const play = (disturbances: ReadonlyArray<Disturbance>, seconds: number, tickMs = 1000, seed = 1) => {
  const model = makeFleetModel(fleet, { seed, startMs: start })
  const d = makeDisturbances({ fleet, disturbances, simStartMs: start, seed })
  const sent: Array<{ readonly at: number; readonly event: ScenarioEvent }> = []
  for (let t = start + tickMs; t <= start + seconds * 1000; t += tickMs) {
    for (const event of d.apply(model.takeUntil(t), t)) sent.push({ at: t, event })
  }
  return { sent, stats: d.stats(), held: d.held(), model }
}

describe("scenarios", () => {
  it.effect("the five scenario files decode, and each names itself after its file", () =>
    Effect.gen(function*() {
      expect(scenarioNames()).toEqual(["care-home-night", "faulty-sensor-flood", "fire", "network-outage", "normal-day"])
      for (const name of scenarioNames()) expect((yield* loadScenario(name)).name).toBe(name)
    }))

  it.effect("an unknown scenario is refused with the known names", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(loadScenario("no-such"))
      expect(error.message).toContain("network-outage")
    }))

  it("a network outage silences its share of devices, and on reconnecting they send all they held, with the original times, at once", () => {
    const outage: Disturbance = { kind: "network_outage", atS: 60, durationS: 120, share: 0.2 }
    const { model, sent, stats, held } = play([outage], 300)
    expect(stats.silentDevices).toBe(Math.round(model.deviceCount * 0.2))
    expect(held).toBe(0)
    const flushed = sent.filter((s) => s.event.origin === "flush")
    expect(flushed.length).toBe(stats.buffered)
    expect(stats.flushed).toBe(stats.buffered)
    // At least each silent device's heartbeats of two minutes.
    expect(flushed.length).toBeGreaterThanOrEqual(stats.silentDevices * 1.5)
    const silent = new Set(flushed.map((s) => s.event.event.deviceId))
    for (const s of flushed) {
      const occurred = Date.parse(s.event.event.occurredAt)
      expect(occurred).toBeGreaterThanOrEqual(start + 60_000)
      expect(occurred).toBeLessThan(start + 180_000)
      // All in the tick the network came back in, however old.
      expect(s.at).toBe(start + 180_000)
    }
    // Nothing from a silent device left during the outage; everyone else carried on.
    const during = sent.filter((s) => s.at > start + 60_000 && s.at < start + 180_000)
    expect(during.some((s) => silent.has(s.event.event.deviceId))).toBe(false)
    expect(during.length).toBeGreaterThan(0)
    expect(sent.filter((s) => s.at > start + 180_000).some((s) => silent.has(s.event.event.deviceId))).toBe(true)
  })

  it("the same scenario and seed send the same events; the outage silences the same devices", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const disturbances: ReadonlyArray<Disturbance> = [
          { kind: "network_outage", atS: 30, durationS: 60, share: 0.2 },
          { kind: "fire", atS: 10, homes: 2 },
          { kind: "sensor_flood", atS: 5, durationS: 10, perSecond: 5, sensor: "door" }
        ]
        const a = play(disturbances, 120, 1000, seed).sent
        const b = play(disturbances, 120, 1000, seed).sent
        expect(b.map((s) => s.event.event)).toEqual(a.map((s) => s.event.event))
      }),
      { numRuns: 5 }
    )
  })

  it("a fire sets off smoke detectors in its homes a spread apart, then heat and alarms there, then clears", () => {
    const { sent, stats } = play([{ kind: "fire", atS: 10, homes: 3, spreadS: 60 }], 3600, 10_000)
    const fire = sent.filter((s) => s.event.origin === "fire").map((s) => s.event.event)
    const smoke = fire.filter((e) => e.type === "sensor" && e.payload.sensor === "smoke" && e.payload.state === "triggered")
    expect(smoke.map((e) => Date.parse(e.occurredAt) - start)).toEqual([10_000, 70_000, 130_000])
    expect(fire.filter((e) => e.type === "sensor" && e.payload.state === "restored" && e.payload.sensor === "smoke")).toHaveLength(3)
    expect(stats.injected["fire"]).toBe(fire.length)
  })

  it("a flooding sensor repeats itself at the given rate from one device", () => {
    const { sent } = play([{ kind: "sensor_flood", atS: 10, durationS: 30, perSecond: 20, sensor: "motion" }], 60)
    const flood = sent.filter((s) => s.event.origin === "sensor_flood").map((s) => s.event.event)
    expect(flood).toHaveLength(600)
    expect(new Set(flood.map((e) => e.deviceId)).size).toBe(1)
    const times = sent.map((s) => Date.parse(s.event.event.occurredAt))
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!)
  })

  it("a compressed run replays the latest such period that ended before now, starting at the scenario's hour", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3e10 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 60, max: 2 * 86_400 }), (offset, hour, durationS) => {
        const nowMs = Date.parse("2026-01-01T00:00:00Z") + offset
        const s = simStartFor({ startLocal: `${String(hour).padStart(2, "0")}:30`, durationS, speed: 60, nowMs, utcOffsetMin: 60 })
        expect(localHour(s, 60)).toBeCloseTo(hour + 0.5, 6)
        expect(s + durationS * 1000).toBeLessThanOrEqual(nowMs)
        expect(s + durationS * 1000).toBeGreaterThan(nowMs - 86_400_000)
      })
    )
    expect(simStartFor({ startLocal: "22:00", durationS: 60, speed: 1, nowMs: 123, utcOffsetMin: 60 })).toBe(123)
  })

  it("durations read as seconds or with s/m/h", () => {
    expect([parseDuration("90"), parseDuration("90s"), parseDuration("15m"), parseDuration("9h"), parseDuration("x")]).toEqual([90, 90, 900, 32_400, undefined])
  })
})
