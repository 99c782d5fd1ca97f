import { expect, layer } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { IncidentRecord, Streams } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

const decodeRecord = Schema.decodeUnknownSync(Schema.fromJsonString(IncidentRecord))

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "120 seconds" })("triage killed mid-stream", (it) => {
  it.effect("SIGKILL and restart: every event lands in exactly one incident, no resident gets two", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const residents = Array.from({ length: 150 }, (_, i) => alarmDevice(20 + i))
      // Two alarms per resident: the second must join the first's incident, even across the crash.
      const events = residents.flatMap(({ deviceId }) => [pendantAlarm(deviceId), pendantAlarm(deviceId, { payload: { trigger: "button" } } as never)])
      const batches = Array.from({ length: 10 }, (_, i) => events.slice(i * 30, (i + 1) * 30))

      const posting = yield* Effect.forkChild(
        Effect.forEach(batches, (batch) => postJson(`${sys.ingestUrl}/v1/events`, batch, { authorization: `Bearer ${sys.ingestKey}` }), { concurrency: 2 })
      )
      yield* Effect.sleep("40 millis")
      yield* sys.services.triage.kill("SIGKILL")
      const answers = yield* Fiber.join(posting)
      expect(answers.every((a) => a.status === 202)).toBe(true)
      expect(answers.flatMap((a) => a.body.accepted)).toHaveLength(events.length)
      yield* sys.services.triage.restart

      const ids = new Set(events.map((e) => e.id))
      const residentIds = new Set(residents.map((r) => r.residentId))
      const records = yield* eventually(
        Effect.map(readSubject(Streams.incident, "wt.inc.demo.>"), (ms) => {
          const rs = ms.map((m) => decodeRecord(new TextDecoder().decode(m.data))).filter((r) => residentIds.has(r.state.residentId))
          const seen = rs.flatMap((r) => (r.event.type === "incident_opened" || r.event.type === "device_event_correlated" ? [r.event.deviceEvent.id] : []))
          return seen.filter((id) => ids.has(id)).length >= events.length ? rs : undefined
        }),
        30_000,
        250
      )
      const seen = records.flatMap((r) => (r.event.type === "incident_opened" || r.event.type === "device_event_correlated" ? [r.event.deviceEvent.id] : []))
      // No event lost, none recorded twice.
      expect(seen.filter((id) => ids.has(id)).sort()).toEqual([...ids].sort())
      // One incident per resident.
      const opened = records.filter((r) => r.event.type === "incident_opened")
      expect(opened).toHaveLength(residents.length)
      expect(new Set(opened.map((r) => r.state.residentId)).size).toBe(residents.length)
    }))
})
