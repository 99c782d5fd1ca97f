import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { type DeviceEvent, Streams, Subjects } from "@wt/contracts"
import { databaseLayer } from "@wt/db"
import { readSubject } from "@wt/nats"
import { demoSimFleet, EventSink, httpIngestSink } from "@wt/sim-devices"
import { loadScenario } from "@wt/sim-devices/scenario"
import type { Scenario, ScenarioSummary } from "@wt/sim-devices/scenario"
import { runScenario, simStartFor } from "@wt/sim-devices/scenario"
import { bearer, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

// The scenarios through the real gateway into a real installation, compressed to seconds.
const Residents = 40
const fleet = demoSimFleet({ residents: Residents })
const decoder = new TextDecoder()

/** The ingest sink, keeping every event it handed over. */
const recordingSink = (sys: E2ESystem["Service"], sent: Array<DeviceEvent>) =>
  Layer.effect(
    EventSink,
    Effect.gen(function*() {
      const inner = yield* EventSink
      return EventSink.of({ via: inner.via, deliver: (events) => inner.deliver(events).pipe(Effect.tap(() => Effect.sync(() => sent.push(...events)))) })
    })
  ).pipe(Layer.provide(httpIngestSink({ url: sys.ingestUrl, key: Redacted.make(sys.ingestKey) })))

const play = (scenario: Scenario, options: { readonly durationS: number; readonly speed: number; readonly seed: number; readonly heartbeatIntervalS?: number }) =>
  Effect.gen(function*() {
    const sys = yield* E2ESystem
    const sent: Array<DeviceEvent> = []
    const summary: ScenarioSummary = yield* runScenario({
      scenario,
      fleet,
      seed: options.seed,
      speed: options.speed,
      simStartMs: simStartFor({ startLocal: scenario.startLocal, durationS: options.durationS, speed: options.speed, nowMs: Date.now(), utcOffsetMin: 60 }),
      durationS: options.durationS,
      utcOffsetMin: 60,
      batch: 1000,
      concurrency: 4,
      heartbeatIntervalS: options.heartbeatIntervalS,
      idSalt: options.seed
    }).pipe(Effect.provide(recordingSink(sys, sent)))
    return { summary, sent }
  })

/** Every device event WT_DEVICE holds, by id. */
const storedEvents = Effect.gen(function*() {
  const messages = yield* readSubject(Streams.device, Subjects.deviceAll)
  return new Map(messages.map((m) => {
    const event = JSON.parse(decoder.decode(m.data)) as DeviceEvent & { receivedAt: string }
    return [event.id, event] as const
  }))
})

const compressed: ReadonlyArray<readonly [string, number]> = [
  ["normal-day", 10 * 60],
  ["care-home-night", 10 * 60],
  // The fire reaches its fourth home 8 minutes in; the sensor starts flooding after 2.
  ["fire", 9 * 60],
  ["faulty-sensor-flood", 3 * 60]
]

const ScenarioSystem = E2ESystem.layerWithNatsAnd({
  residents: Residents,
  // Compressed runs heartbeat in simulated minutes; nothing may look silent until the outage test says so.
  heartbeatIntervalS: 3600,
  env: {
    WT_SUPERVISION_GRACE_S: "2",
    WT_SUPERVISION_WATCH_EVERY: "1 second",
    WT_SUPERVISION_FLEET_EVERY: "1 second",
    // Compressed to as fast as it goes, minutes of a device's reports arrive in a moment (the flooding
    // sensor's 1,200 in a second): no real device's rate, so devices' rate limits are lifted here.
    WT_INGEST_LIMITS: JSON.stringify({ device: { alarm: { perSecond: 1e6, burst: 1e6 }, tech: { perSecond: 1e6, burst: 1e6 }, telemetry: { perSecond: 1e6, burst: 1e6 } } })
  }
})

layer(ScenarioSystem, { excludeTestServices: true, timeout: "120 seconds" })("scenarios against a running installation", (it) => {
  it.effect("each scenario, compressed, is accepted whole: every event it sent is in WT_DEVICE, as sent", () =>
    Effect.gen(function*() {
      const runs: Array<{ name: string; summary: ScenarioSummary; sent: ReadonlyArray<DeviceEvent> }> = []
      for (const [name, durationS] of compressed) {
        const scenario = yield* loadScenario(name)
        runs.push({ name, ...(yield* play({ ...scenario, residents: Residents }, { durationS, speed: 0, seed: 42 })) })
      }
      const stored = yield* storedEvents
      for (const { name, sent, summary } of runs) {
        expect(summary.counts.rejected, name).toBe(0)
        expect(summary.counts.accepted, name).toBe(sent.length)
        expect(sent.length, name).toBe(summary.counts.sent)
        for (const event of sent) {
          const kept = stored.get(event.id)
          expect(kept, `${name}: ${event.id}`).toBeDefined()
          expect({ ...kept, receivedAt: undefined }).toEqual({ ...event, receivedAt: undefined })
        }
      }
      const byName = Object.fromEntries(runs.map((r) => [r.name, r.summary]))
      const fire = runs.find((r) => r.name === "fire")!.sent
      expect(fire.filter((e) => e.type === "sensor" && e.payload.sensor === "smoke" && e.payload.state === "triggered").length).toBeGreaterThanOrEqual(4)
      expect(byName["fire"]!.disturbances.injected["fire"]).toBe(byName["fire"]!.counts.byOrigin["fire"])
      expect(byName["faulty-sensor-flood"]!.counts.byOrigin["sensor_flood"]).toBe(60 * 20)
      expect(byName["normal-day"]!.counts.byType["technical:heartbeat"]).toBeGreaterThan(fleet.residents.flatMap((r) => r.devices).length * 8)
    }), 90_000)

  it.effect("a network outage: the silent devices become one storm, and their buffered events arrive on reconnecting with their original times", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      // Two seconds into the run, when every device has reported at its new pace, the registry expects
      // every device every 3 s (triage's registry cache takes up to 10 s to notice); the outage starts after that.
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE devices SET heartbeat_interval_s = 3 WHERE tenant = 'demo'`
      }).pipe(Effect.provide(databaseLayer({ url: Redacted.make(sys.databaseUrl), poolMax: 1 })), Effect.delay("4 seconds"), Effect.forkChild)
      const scenario = yield* loadScenario("network-outage")
      const outage = { kind: "network_outage" as const, atS: 18, durationS: 14, share: 0.2 }
      const startedAt = Date.now()
      const { sent, summary } = yield* play({ ...scenario, residents: Residents, disturbances: [outage] }, { durationS: 38, speed: 1, seed: 7, heartbeatIntervalS: 3 })
      expect(summary.counts.rejected).toBe(0)
      expect(summary.disturbances.flushed).toBe(summary.disturbances.buffered)
      expect(summary.disturbances.stillHeld).toBe(0)

      // What the silent devices held arrived after the reconnection, each with the time it happened: a device
      // was silent if nothing it did during the outage was received before the network came back.
      const windowFrom = startedAt + 19_000, windowTo = startedAt + 31_000, reconnectMs = startedAt + 32_000
      const stored = yield* storedEvents
      const inWindow = new Map<string, Array<DeviceEvent & { receivedAt: string }>>()
      for (const event of sent) {
        const kept = stored.get(event.id)!
        expect(kept.occurredAt).toBe(event.occurredAt)
        const t = Date.parse(event.occurredAt)
        if (t >= windowFrom && t < windowTo) inWindow.set(event.deviceId, [...(inWindow.get(event.deviceId) ?? []), kept])
      }
      const silent = [...inWindow].filter(([, events]) => events.every((e) => Date.parse(e.receivedAt) >= reconnectMs - 1_500))
      expect(silent).toHaveLength(summary.disturbances.silentDevices)
      for (const [, events] of silent) {
        // Every heartbeat of those 12 s, sent late but stamped with when it happened.
        expect(events.length).toBeGreaterThanOrEqual(3)
        for (const e of events) expect(Date.parse(e.receivedAt) - Date.parse(e.occurredAt)).toBeGreaterThan(0)
      }
      expect(summary.counts.byOrigin["flush"]).toBe(summary.disturbances.flushed)

      // Triage saw the silent devices go quiet within one storm window: one storm incident, not one each.
      const token = yield* signIn(sys.consoleUrl, "supervisor", sys.password)
      let storm: any
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline) {
        const active = (yield* request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=active`, { headers: bearer(token) })).body
        storm = active.find((i: any) => i.residentId === "storm")
        if (storm !== undefined && storm.storm.stillDown === 0) break
        yield* Effect.sleep("500 millis")
      }
      expect(storm).toBeDefined()
      console.log(`outage: ${summary.disturbances.silentDevices} devices silent, ${summary.disturbances.flushed} events flushed; storm of ${storm.storm.devices} devices`)
      expect(storm.storm.devices).toBeGreaterThanOrEqual(10)
      expect(storm.storm.devices).toBeLessThanOrEqual(summary.disturbances.silentDevices)
      // Heard from again: nobody is left on the storm's list of devices still down.
      expect(storm.storm.stillDown).toBe(0)
      const listed = yield* request<{ down: Array<string> }>(`${sys.consoleUrl}/api/incidents/${storm.incidentId}/storm-devices`, { headers: bearer(token) })
      expect(listed.body.down).toEqual([])
    }), 90_000)
})
