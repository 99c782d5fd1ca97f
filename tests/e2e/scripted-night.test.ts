import { randomUUID } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import type { DeviceEvent } from "@wt/contracts"
import { databaseLayer } from "@wt/db"
import { demoFleet } from "@wt/registry/demo"
import { bearer, eventually, postJson, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

// The night of the failures in docs/domain.md, for 50 residents, then a mobile-network outage.
const Residents = 1250
const fleet = demoFleet({ residents: Residents })
const night = fleet.residents.slice(0, 50)
const byId = (id: string) => fleet.residents.find((r) => r.id === id)!
const device = (residentId: string, pick: (d: (typeof fleet.residents)[number]["devices"][number]) => boolean) => byId(residentId).devices.find(pick)!.id

const fallResidents = night.filter((r) => r.devices.some((d) => d.triggers?.includes("fall_detector"))).map((r) => r.id)
const [fall1, fall2, fall3, fallInStorm] = fallResidents as [string, string, string, string]
const fireResident = night.find((r) => r.devices.some((d) => d.sensor === "smoke") && !fallResidents.slice(0, 4).includes(r.id))!.id
const wanderer = night.find((r) => r.dementia && r.geofence && r.devices.some((d) => d.type === "gps"))!.id
const used = new Set([fall1, fall2, fall3, fallInStorm, fireResident, wanderer])
const medResident = night.find((r) => !used.has(r.id) && r.devices.some((d) => d.type === "medication"))!.id
used.add(medResident)
const repeater = night.find((r) => !used.has(r.id))!.id
used.add(repeater)
const silent = night.filter((r) => !used.has(r.id)).slice(0, 10).map((r) => ({ residentId: r.id, deviceId: device(r.id, (d) => d.type === "safety_alarm") }))
const stormDevices = fleet.residents.slice(50).flatMap((r) => r.devices.map((d) => d.id)).slice(0, 5000)

const at = (iso: string) => iso
const event = (deviceId: string, type: DeviceEvent["type"], payload: object, occurredAt = new Date().toISOString()) =>
  ({ id: randomUUID(), tenant: "demo", deviceId, occurredAt: at(occurredAt), source: { via: "http", vendor: "night-script" }, type, payload }) as DeviceEvent

/** 02:00 tonight in Oslo (01:00Z in winter). */
const twoAmOslo = () => {
  const d = new Date()
  d.setUTCHours(1, 0, 0, 0)
  return d.toISOString()
}

/**
 * The night, through the real services. With `killTriage`, both triage processes are SIGKILLed right after
 * the care alarms and before the silences fall due, then started again: the outcome must be the same.
 */
const runNight = (killTriage: boolean) =>
  Effect.gen(function*() {
      const sys = yield* E2ESystem
      const send = (events: ReadonlyArray<DeviceEvent>) =>
        Effect.gen(function*() {
          const answer = yield* postJson(`${sys.ingestUrl}/v1/events`, events, { authorization: `Bearer ${sys.ingestKey}` })
          expect(answer.status).toBe(202)
          expect(answer.body.accepted).toHaveLength(events.length)
        })

      // Every other device reports in, so only the ten below fall silent during the test.
      const silentIds = new Set(silent.map((s) => s.deviceId))
      const heartbeats = fleet.residents.flatMap((r) => r.devices).filter((d) => !silentIds.has(d.id)).map((d) => event(d.id, "technical", { event: "heartbeat" }))
      for (let i = 0; i < heartbeats.length; i += 1000) yield* send(heartbeats.slice(i, i + 1000))

      // Ten safety alarms stop reporting: their expected interval is 3 s from now on.
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE devices SET heartbeat_interval_s = 3 WHERE tenant = 'demo' AND id IN ${sql.in(silent.map((s) => s.deviceId))}`
      }).pipe(Effect.provide(databaseLayer({ url: Redacted.make(sys.databaseUrl), poolMax: 1 })))

      const fallDevice = (r: string) => device(r, (d) => d.type === "safety_alarm")
      yield* send([
        event(fallDevice(fall1), "safety_alarm", { trigger: "fall_detector" }),
        event(fallDevice(fall2), "safety_alarm", { trigger: "fall_detector" }),
        event(fallDevice(fall3), "safety_alarm", { trigger: "fall_detector" }),
        event(device(fireResident, (d) => d.sensor === "smoke"), "sensor", { sensor: "smoke", state: "triggered" }),
        event(device(wanderer, (d) => d.type === "gps"), "gps", { lat: byId(wanderer).geofence!.lat + 0.05, lon: byId(wanderer).geofence!.lon, accuracyM: 10 }, twoAmOslo()),
        event(device(medResident, (d) => d.type === "medication"), "medication", { event: "dose_missed", critical: true, doseId: "night-dose" })
      ])
      for (let n = 0; n < 4; n++) yield* send([event(fallDevice(repeater), "safety_alarm", { trigger: "pendant" })])
      let restartedAt = Date.now()
      if (killTriage) {
        // Every triage process: the alarm lane, the tech and telemetry lanes, and absence supervision.
        const triages = [sys.services.triage, sys.services["triage-bulk"], sys.services.supervision]
        yield* Effect.all(triages.map((t) => t.kill("SIGKILL")))
        yield* Effect.sleep("1 second")
        yield* Effect.all(triages.map((t) => t.restart), { concurrency: 3 })
        restartedAt = Date.now()
      }

      // The ten silences are raised (as individual incidents) before the outage begins.
      const token = yield* signIn(sys.consoleUrl, "supervisor", sys.password)
      yield* eventually(
        Effect.map(request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=active`, { headers: bearer(token) }), (a) =>
          a.body.filter((i: any) => silent.some((s) => s.residentId === i.residentId)).length === 10 ? true : undefined),
        30_000,
        250
      )
      const silencesAfterRestartMs = Date.now() - restartedAt
      console.log(`ten silences raised ${silencesAfterRestartMs} ms after ${killTriage ? "triage restarted" : "the script began"}`)
      // On time: the devices' interval (3 s) + grace (2 s) + a watch period or two, even across the restart.
      if (killTriage) expect(silencesAfterRestartMs).toBeLessThan(15_000)
      yield* Effect.sleep("9 seconds")

      // The outage: 5,000 devices report lost supervision within the minute, a fall in the middle of it.
      const losses = stormDevices.map((id) => event(id, "technical", { event: "communication_failure" }))
      for (let i = 0; i < losses.length; i += 1000) {
        yield* send(losses.slice(i, i + 1000))
        if (i === 2000) yield* send([event(fallDevice(fallInStorm), "safety_alarm", { trigger: "fall_detector" })])
      }

      // Wait until the storm holds all 5,000 devices (or time runs out), then judge what is there.
      let active: Array<any> = []
      const deadline = Date.now() + 90_000
      while (Date.now() < deadline) {
        active = (yield* request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=active`, { headers: bearer(token) })).body
        const storm = active.find((i: any) => i.residentId === "storm")
        if (storm?.storm?.devices === 5000 && active.length >= 19) break
        yield* Effect.sleep("500 millis")
      }
      const of = (residentId: string) => active.filter((i: any) => i.residentId === residentId)
      const summary = active.map((i: any) => `${i.residentId}:${i.priority}:${i.alarmType}${i.storm ? `:storm ${i.storm.devices}/${i.storm.stillDown}` : ""}`).sort()
      console.log(`night: ${active.length} active incidents\n  ${summary.join("\n  ")}`)

      for (const r of [fall1, fall2, fall3, fallInStorm]) expect(of(r).map((i: any) => [i.priority, i.alarmType])).toEqual([["P1", "safety_alarm:fall_detector"]])
      expect(of(fireResident).map((i: any) => [i.priority, i.category])).toEqual([["P1", "fire"]])
      expect(of(wanderer).map((i: any) => [i.priority, i.category])).toEqual([["P1", "location"]])
      expect(of(medResident).map((i: any) => [i.priority, i.category])).toEqual([["P2", "medication"]])
      expect(of(repeater)).toHaveLength(1)
      expect(of(repeater)[0]).toMatchObject({ priority: "P1", repeated: true, deviceEventCount: 4 })
      for (const s of silent) expect(of(s.residentId).map((i: any) => [i.priority, i.category])).toEqual([["P2", "technical"]])
      const storms = active.filter((i: any) => i.residentId === "storm")
      expect(storms).toHaveLength(1)
      expect(storms[0]).toMatchObject({ priority: "P2", category: "technical" })
      expect(storms[0].storm.stillDown).toBe(5000)
      const listed = yield* request<{ down: Array<string> }>(`${sys.consoleUrl}/api/incidents/${storms[0].incidentId}/storm-devices`, { headers: bearer(token) })
      expect(new Set(listed.body.down)).toEqual(new Set(stormDevices))
      // Exactly these: 4 falls, the fire, the wanderer, the dose, the repeated alarms, 10 silent devices, 1 storm.
      expect(active).toHaveLength(19)

      const fire = yield* request(`${sys.consoleUrl}/api/incidents/${of(fireResident)[0].incidentId}/timeline`, { headers: bearer(token) })
      expect(fire.body.entries.find((e: any) => e.kind === "triage_decision").detail.fireService).toBe(true)
    })

const NightSystem = E2ESystem.layerWithNatsAnd({
  residents: Residents,
  // Only the ten devices below are expected to fall silent during the night.
  heartbeatIntervalS: 3600,
  env: {
    WT_STORM_THRESHOLD: "25",
    // A night is hours long; here the silences and the outage are seconds apart, so the storm window is shortened to match.
    WT_STORM_WINDOW: "8 seconds",
    WT_SUPERVISION_FLEET_EVERY: "1 second",
    WT_SUPERVISION_WATCH_EVERY: "1 second",
    WT_SUPERVISION_GRACE_S: "2",
    WT_TRIAGE_TECH_CONCURRENCY: "32"
  }
})

layer(NightSystem, { excludeTestServices: true, timeout: "180 seconds" })("a scripted night for 50 residents, then 5,000 devices losing supervision", (it) => {
  it.effect("yields exactly the expected incidents and priorities; the storm is one incident; a fall inside it stands alone", () => runNight(false), 240_000)
})

layer(NightSystem, { excludeTestServices: true, timeout: "180 seconds" })("the same night with triage SIGKILLed mid-night", (it) => {
  it.effect("the same incidents, no duplicates, and the silent devices still detected on time", () => runNight(true), 240_000)
})
