import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

// Pendant alarms that joined their residents' open low-battery incidents used to rise to P1 but
// stay headlined "technical · low battery" in the queue. Against the real services: ingest,
// triage, the incident store, the projector and the console.
layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "90 seconds" })("an incident's headline is its most urgent signal", (it) => {
  it.effect("a low-battery fault, then a pendant alarm of the same resident: one incident, headed P1 care safety_alarm:pendant, its timeline listing both", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })
      const { deviceId, residentId } = alarmDevice(50)

      const battery = pendantAlarm(deviceId, { type: "technical", payload: { event: "low_battery" } } as never)
      expect((yield* ingest(battery)).status).toBe(202)
      const fault = yield* queuedIncident(sys.consoleUrl, token, residentId)
      expect(fault).toMatchObject({ priority: "P4", category: "technical", alarmType: "technical:low_battery" })

      const pendant = pendantAlarm(deviceId)
      expect((yield* ingest(pendant)).status).toBe(202)
      // The queue row: the same incident, now P1 and headed by the pendant alarm.
      const row = yield* eventually(
        Effect.map(request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(token) }), (a) =>
          a.body.find((i: any) => i.incidentId === fault.incidentId && i.deviceEventCount === 2)),
        5000
      )
      expect(row).toMatchObject({
        priority: "P1",
        category: "care",
        alarmType: "safety_alarm:pendant",
        headline: { alarmType: "safety_alarm:pendant", category: "care", priority: "P1", deviceId, eventId: pendant.id }
      })
      expect(row.signals.map((s: any) => [s.alarmType, s.priority, s.count])).toEqual([
        ["technical:low_battery", "P4", 1],
        ["safety_alarm:pendant", "P1", 1]
      ])
      // The resident has one open incident: the alarm joined the fault, it did not open another.
      const open = (yield* request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(token) })).body
      expect(open.filter((i: any) => i.residentId === residentId).map((i: any) => i.incidentId)).toEqual([fault.incidentId])

      // The timeline lists both device events and the moment the pendant took the headline.
      const entries = yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${fault.incidentId}/timeline`, { headers: bearer(token) }), (a) =>
          a.status === 200 && a.body.entries.some((e: any) => e.kind === "headline") ? a.body.entries as Array<any> : undefined),
        5000
      )
      const devices = entries.filter((e) => e.kind === "device_event")
      expect(devices.map((e) => e.detail.id)).toEqual([battery.id, pendant.id])
      expect(devices.map((e) => e.summary)).toEqual([expect.stringContaining("technical:low_battery"), expect.stringContaining("safety_alarm:pendant")])
      expect(entries.filter((e) => e.kind === "triage_decision").map((e) => [e.detail.ruleId, e.detail.priority])).toEqual([
        ["technical.fault", "P4"],
        ["care.alarm", "P1"]
      ])
      expect(entries.find((e) => e.kind === "headline").summary).toContain("safety_alarm:pendant")
    }))

  it.effect("a pendant alarm inside a power-fault incident keeps it open when the power comes back: the engine resolves only purely technical incidents", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const ingest = (event: unknown) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${sys.ingestKey}` })
      const { deviceId, residentId } = alarmDevice(51)

      expect((yield* ingest(pendantAlarm(deviceId, { type: "technical", payload: { event: "power_lost" } } as never))).status).toBe(202)
      const fault = yield* queuedIncident(sys.consoleUrl, token, residentId)
      expect(fault).toMatchObject({ category: "technical", alarmType: "technical:power_lost" })
      expect((yield* ingest(pendantAlarm(deviceId))).status).toBe(202)
      yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${fault.incidentId}`, { headers: bearer(token) }), (a) => (a.body?.priority === "P1" ? a.body : undefined)),
        5000
      )
      const restored = pendantAlarm(deviceId, { type: "technical", payload: { event: "power_restored" } } as never)
      expect((yield* ingest(restored)).status).toBe(202)
      // The restore is written into the incident (its fault closed), and the incident waits for a person.
      const after = yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${fault.incidentId}`, { headers: bearer(token) }), (a) =>
          a.body?.deviceEventCount === 3 ? a.body : undefined),
        5000
      )
      expect(after).toMatchObject({ status: "open", priority: "P1", category: "care", alarmType: "safety_alarm:pendant", openFaults: [] })
      // Still open a moment later: no engine resolution follows the restore.
      yield* Effect.sleep("1 second")
      const still = yield* request(`${sys.consoleUrl}/api/incidents/${fault.incidentId}`, { headers: bearer(token) })
      expect(still.body).toMatchObject({ status: "open", version: after.version })
    }))
})
