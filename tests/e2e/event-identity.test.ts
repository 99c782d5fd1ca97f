import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { DeviceDedupWindowMs, Streams } from "@wt/contracts"
import { hashIngestKey } from "@wt/registry"
import { Nats } from "@wt/nats"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { onDatabase } from "../support/database.ts"
import { asNatsUser, E2ESystem } from "../support/system.ts"

/**
 * Security findings reproduced as they were seen on a running system, when an event was known by
 * the sender's id alone. Each test failed on that code: the second tenant's alarm was dropped as a
 * duplicate, one tenant's incident overwrote the other's row, and a device's alarm was swallowed
 * into another resident's incident.
 */
const northKey = `north-e2e-${Math.random().toString(36).slice(2)}`

/** Gives tenant `north` an ingest key (the demo seeds none) and answers its n-th safety alarm. */
const northAlarmDevice = (n: number) => Effect.gen(function*() {
  const { databaseUrl } = yield* E2ESystem
  return yield* onDatabase(databaseUrl, (sql) =>
    Effect.gen(function*() {
      yield* sql`INSERT INTO ingest_keys (key_hash, tenant, label) VALUES (${hashIngestKey(northKey)}, 'north', 'e2e') ON CONFLICT DO NOTHING`
      const rows = yield* sql<{ id: string; resident_id: string }>`
        SELECT id, resident_id FROM devices WHERE tenant = 'north' AND type = 'safety_alarm' ORDER BY id LIMIT 1 OFFSET ${n}`
      return { deviceId: rows[0]!.id, residentId: rows[0]!.resident_id }
    }))
})

const send = (event: object, key: string) =>
  E2ESystem.use((sys) => postJson(`${sys.ingestUrl}/v1/events`, event, { authorization: `Bearer ${key}` }))

/** WT_DEVICE's de-duplication window, for standing in for the minutes that pass in the field. */
const setDedupWindow = (ms: number) =>
  Effect.gen(function*() {
    const nats = yield* Nats
    const info = yield* Effect.orDie(nats.streamInfo(Streams.device))
    yield* Effect.orDie(nats.updateStream(Streams.device, { ...info.config, duplicate_window: ms * 1_000_000 }))
  }).pipe(asNatsUser("provision"))

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "90 seconds" })("an event's identity is its tenant, its device and its own id", (it) => {
  it.effect("a tenant's P1 alarm is accepted and reaches its queue though another tenant used its id a moment before", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const north = yield* northAlarmDevice(0)
      const id = `shared-${Math.random().toString(36).slice(2)}`
      expect((yield* send(pendantAlarm(north.deviceId, { id, tenant: "north" }), northKey)).status).toBe(202)
      const northOperator = yield* signIn(sys.consoleUrl, "north-operator", sys.password)
      yield* queuedIncident(sys.consoleUrl, northOperator, north.residentId, { timeoutMs: 10_000 })

      const demo = alarmDevice(20)
      const answer = yield* send(pendantAlarm(demo.deviceId, { id }), sys.ingestKey)
      expect(answer.status).toBe(202)
      expect(answer.body).toEqual({ accepted: [id], rejected: [] })
      // Dropped as a duplicate of north's event before: it never became an incident.
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const incident = yield* queuedIncident(sys.consoleUrl, operator, demo.residentId, { timeoutMs: 10_000 })
      expect(incident).toMatchObject({ tenant: "demo", priority: "P1", residentId: demo.residentId })
    }))

  it.effect("after the de-duplication window, another tenant's incident neither overwrites nor opens to the first tenant's operator", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const north = yield* northAlarmDevice(1)
      const demo = alarmDevice(21)
      const id = `after-window-${Math.random().toString(36).slice(2)}`
      const northOperator = yield* signIn(sys.consoleUrl, "north-operator", sys.password)
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)

      // Stand in for the minutes between north's event and demo's: a one-second window, then back.
      yield* setDedupWindow(1000)
      const northSent = yield* send(pendantAlarm(north.deviceId, { id, tenant: "north" }), northKey)
      expect(northSent.status).toBe(202)
      const northIncident = yield* queuedIncident(sys.consoleUrl, northOperator, north.residentId, { timeoutMs: 10_000 })
      yield* Effect.sleep("1500 millis")
      expect((yield* send(pendantAlarm(demo.deviceId, { id }), sys.ingestKey)).status).toBe(202)
      // A second alarm of demo's resident: demo's incident moves past north's in version, which is
      // what let it overwrite north's row when both had one id.
      expect((yield* send(pendantAlarm(demo.deviceId), sys.ingestKey)).status).toBe(202)
      yield* setDedupWindow(DeviceDedupWindowMs)
      const demoIncident = yield* eventually(
        Effect.map(
          request<Array<any>>(`${sys.consoleUrl}/api/incidents?status=open`, { headers: bearer(operator) }),
          (a) => a.body.find((i: any) => i.residentId === demo.residentId && i.deviceEventCount === 2)
        ),
        10_000
      )
      expect(demoIncident.incidentId).not.toBe(northIncident.incidentId)
      // The projector has both: north's row still holds north's incident.
      yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${demoIncident.incidentId}`, { headers: bearer(operator) }), (a) =>
          a.status === 200 ? a : undefined),
        10_000
      )
      const northView = yield* request(`${sys.consoleUrl}/api/incidents/${northIncident.incidentId}`, { headers: bearer(northOperator) })
      expect(northView.status).toBe(200)
      expect(northView.body).toMatchObject({ tenant: "north", residentId: north.residentId })

      // North's operator reaches nothing of demo's: not its incident, not its resident's record, not a claim.
      expect((yield* request(`${sys.consoleUrl}/api/incidents/${demoIncident.incidentId}`, { headers: bearer(northOperator) })).status).toBe(404)
      const record = yield* request(
        `${sys.consoleUrl}/api/residents/${demo.residentId}?incident=${encodeURIComponent(northIncident.incidentId)}`,
        { headers: bearer(northOperator) }
      )
      expect(record.status).toBe(404)
      expect(JSON.stringify(record.body)).not.toContain("keyAccess")
      const claim = yield* postJson(`${sys.consoleUrl}/api/incidents/${demoIncident.incidentId}/claim`, {}, bearer(northOperator))
      expect(claim.status).toBe(404)
      const afterwards = yield* request(`${sys.consoleUrl}/api/incidents/${demoIncident.incidentId}`, { headers: bearer(operator) })
      expect(afterwards.body).toMatchObject({ tenant: "demo", status: "open", owner: { kind: "queue" } })
    }))

  it.effect("a device reusing an id another resident's device used opens its own resident's incident, and that resident's next alarm joins it", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const operator = yield* signIn(sys.consoleUrl, "operator", sys.password)
      const first = alarmDevice(22)
      const second = alarmDevice(23)
      const id = `reused-${Math.random().toString(36).slice(2)}`
      expect((yield* send(pendantAlarm(first.deviceId, { id }), sys.ingestKey)).status).toBe(202)
      const firstIncident = yield* queuedIncident(sys.consoleUrl, operator, first.residentId, { timeoutMs: 10_000 })

      expect((yield* send(pendantAlarm(second.deviceId, { id }), sys.ingestKey)).status).toBe(202)
      // Swallowed before: counted as opened, with the pointer left at the first resident's incident.
      const secondIncident = yield* queuedIncident(sys.consoleUrl, operator, second.residentId, { timeoutMs: 10_000 })
      expect(secondIncident.incidentId).not.toBe(firstIncident.incidentId)

      expect((yield* send(pendantAlarm(second.deviceId), sys.ingestKey)).status).toBe(202)
      const joined = yield* eventually(
        Effect.map(request(`${sys.consoleUrl}/api/incidents/${secondIncident.incidentId}`, { headers: bearer(operator) }), (a) =>
          a.body?.deviceEventCount === 2 ? a.body : undefined),
        10_000
      )
      expect(joined).toMatchObject({ residentId: second.residentId, tenant: "demo" })
      const firstAfter = yield* request(`${sys.consoleUrl}/api/incidents/${firstIncident.incidentId}`, { headers: bearer(operator) })
      expect(firstAfter.body).toMatchObject({ residentId: first.residentId, deviceEventCount: 1 })
    }))
})
