import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { DeviceEvent, TriageDecision } from "@wt/contracts"
import { TestDatabase } from "@wt/db/testing"
import { IncidentStore } from "@wt/incident-store"
import { NatsTestServer } from "@wt/nats/testing"
import { IncidentViews } from "@wt/read-models"
import { IncidentProjector } from "./incident-projector.ts"

const at = "2026-11-25T03:00:00.000Z"
const alarm = (id: string): DeviceEvent => ({ id, tenant: "demo", deviceId: "alarm-000001", occurredAt: at, receivedAt: at, source: { via: "sim" }, type: "safety_alarm", payload: { trigger: "pendant" } })
const decision: TriageDecision = { ruleId: "care.alarm", ruleSetVersion: "t", priority: "P1", category: "care", reason: "pressed", fireService: false }

const Deps = Layer.mergeAll(IncidentStore.layer, IncidentViews.layer).pipe(
  Layer.provideMerge(Layer.mergeAll(NatsTestServer.layerNats, TestDatabase))
)

const untilRows = (n: number) =>
  Effect.gen(function*() {
    const views = yield* IncidentViews
    for (let i = 0; i < 200; i++) {
      const rows = yield* views.list(["demo"], ["open", "claimed", "resolved"])
      // Caught up: all incidents there and the claim (the last record written) applied.
      if (rows.length >= n && rows.some((r) => r.incidentId === "inc-proj-1" && r.status === "claimed")) return rows
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.die(new Error("read model did not catch up"))
  })

layer(Deps, { excludeTestServices: true })("incident projector", (it) => {
  it.effect("projects incidents and rebuilds the read model from JetStream after it was dropped", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      for (const n of [1, 2, 3]) {
        const id = `inc-proj-${n}`
        yield* store.execute("demo", id, { type: "open_incident", at, incidentId: id, tenant: "demo", residentId: `res-000${n}`, decision, deviceEvent: alarm(`evt-proj-000${n}`) })
      }
      yield* store.execute("demo", "inc-proj-1", { type: "claim", at, by: { kind: "operator", id: "kari", name: "Kari" } })

      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(IncidentProjector)
        const rows = yield* untilRows(3)
        expect(rows.find((r) => r.incidentId === "inc-proj-1")?.status).toBe("claimed")
      }))

      const sql = yield* SqlClient.SqlClient
      yield* sql`DROP TABLE incidents`
      yield* sql`DROP TABLE incident_timeline`

      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(IncidentProjector)
        const rows = yield* untilRows(3)
        expect(rows.map((r) => r.incidentId).sort()).toEqual(["inc-proj-1", "inc-proj-2", "inc-proj-3"])
        expect(rows.find((r) => r.incidentId === "inc-proj-1")?.status).toBe("claimed")
        const timeline = yield* (yield* IncidentViews).timeline(["demo"], "inc-proj-1")
        expect(timeline._tag === "Some" && timeline.value.map((e) => e.kind)).toEqual(["device_event", "triage_decision", "incident_opened", "incident_claimed"])
      }))
    }))
})
