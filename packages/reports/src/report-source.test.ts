import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestDatabase } from "@wt/db/testing"
import { applyIncidentRecord, resumePoint } from "@wt/read-models"
import { historiesFromRecords } from "./history.ts"
import { buildReport, ReportKinds } from "./report-document.ts"
import { ReportSource } from "./report-source.ts"
import { scriptedDay, ScriptedDay } from "./testing.ts"

const period = {
  fromMs: Date.parse(ScriptedDay.from),
  toMs: Date.parse(ScriptedDay.to),
  nowMs: Date.parse(ScriptedDay.to),
  timeZone: ScriptedDay.timeZone
}

const seedRegistry = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO tenants (id, name) VALUES ('demo', 'Demo'), ('north', 'North')`
  // demo: r1 alarm + bed sensor + gps, r2 alarm + dispenser, r3 an inactive alarm only (not a user); north: n1 alarm.
  for (const [tenant, id] of [["demo", "r1"], ["demo", "r2"], ["demo", "r3"], ["north", "n1"]] as const) {
    yield* sql`INSERT INTO residents (id, tenant, display_name) VALUES (${id}, ${tenant}, 'x')`
  }
  const devices: ReadonlyArray<readonly [string, string, string, string, boolean]> = [
    ["demo", "d1", "r1", "safety_alarm", true],
    ["demo", "d2", "r1", "sensor", true],
    ["demo", "d3", "r1", "gps", true],
    ["demo", "d4", "r2", "safety_alarm", true],
    ["demo", "d5", "r2", "medication", true],
    ["demo", "d6", "r3", "safety_alarm", false],
    ["north", "n1d", "n1", "safety_alarm", true]
  ]
  for (const [tenant, id, resident, type, active] of devices) {
    yield* sql`INSERT INTO devices (id, tenant, resident_id, type, active) VALUES (${id}, ${tenant}, ${resident}, ${type}, ${active})`
  }
})

layer(ReportSource.layer.pipe(Layer.provideMerge(TestDatabase)), { excludeTestServices: true })("reports from the read model", (it) => {
  it.effect("give the same figures as the pure reports over the stored records, for every report", () =>
    Effect.gen(function*() {
      const records = scriptedDay()
      yield* Effect.forEach(records, (r, i) => applyIncidentRecord(r, i + 1), { discard: true })
      yield* seedRegistry
      const source = yield* ReportSource
      const users = yield* source.users(["demo", "north"])
      expect(users).toEqual([
        { tenant: "demo", users: 2, safetyAlarm: 2, sensor: 1, gps: 1, medication: 1 },
        { tenant: "north", users: 1, safetyAlarm: 1, sensor: 0, gps: 0, medication: 0 }
      ])
      const histories = historiesFromRecords(records)
      for (const kind of ReportKinds) {
        const fromSql = yield* source.report(kind, { tenants: ["demo", "north"], ...period, operators: 1 })
        expect(fromSql).toEqual(buildReport(kind, { histories, users, ...period, operators: 1 }))
      }
      const sla = yield* source.report("sla", { tenants: ["demo", "north"], ...period })
      expect(sla.tables[0]!.rows[0]).toMatchObject({ tenant: "demo", by: "all", received: 14, answered: 11, share60s: 0.5833, share180s: 0.8333 })
    }))

  it.effect("are scoped to the tenants asked for", () =>
    Effect.gen(function*() {
      const source = yield* ReportSource
      const north = yield* source.report("sla", { tenants: ["north"], ...period })
      expect(new Set(north.tables[0]!.rows.map((r) => r.tenant))).toEqual(new Set(["north"]))
      const none = yield* source.report("sla", { tenants: [], ...period })
      expect(none.tables[0]!.rows).toEqual([])
    }))

  it.effect("the projector replays the stream when incidents exist but their transitions do not", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO projection_checkpoints (name, stream_seq) VALUES ('incidents', 500)
        ON CONFLICT (name) DO UPDATE SET stream_seq = 500`
      expect(yield* resumePoint()).toBe(501)
      yield* sql`DELETE FROM incident_transitions`
      expect(yield* resumePoint()).toBe(1)
    }))
})
