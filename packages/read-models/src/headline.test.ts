import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option, Result } from "effect"
import { SqlClient } from "effect/sql"
import type { DeviceEvent, IncidentCommand, IncidentRecord, IncidentState, TriageDecision } from "@wt/contracts"
import { TestDatabase } from "@wt/db/testing"
import { decide, evolve } from "@wt/incident"
import { IncidentViews } from "./incident-views.ts"
import { applyIncidentRecord, resumePoint } from "./projection.ts"

const t0 = "2026-11-25T02:00:00.000Z"
const t1 = "2026-11-25T02:04:00.000Z"

const battery: DeviceEvent = {
  id: "evt-battery-1", tenant: "demo", deviceId: "alarm-000101", occurredAt: t0, receivedAt: t0, source: { via: "sim" },
  type: "technical", payload: { event: "low_battery" }
}
const pendant: DeviceEvent = {
  id: "evt-pendant-1", tenant: "demo", deviceId: "alarm-000101", occurredAt: t1, receivedAt: t1, source: { via: "sim" },
  type: "safety_alarm", payload: { trigger: "pendant" }
}
const decision = (priority: TriageDecision["priority"], category: TriageDecision["category"], ruleId: string): TriageDecision =>
  ({ ruleId, ruleSetVersion: "test", priority, category, reason: ruleId, fireService: false })

/** The records triage stores for an incident: the real decider, command by command. */
const recordsOf = (incidentId: string, commands: ReadonlyArray<IncidentCommand>): ReadonlyArray<IncidentRecord> => {
  let state: IncidentState | undefined
  const records: Array<IncidentRecord> = []
  for (const command of commands) {
    for (const event of Result.getOrThrow(decide(command, state, incidentId))) {
      state = evolve(state, event)
      records.push({ event, state })
    }
  }
  return records
}

const lowBatteryThenPendant = (incidentId: string) => recordsOf(incidentId, [
  { type: "open_incident", at: t0, incidentId, tenant: "demo", residentId: "res-0101", decision: decision("P4", "technical", "technical.fault"), deviceEvent: battery },
  { type: "correlate_device_event", at: t1, decision: decision("P1", "care", "care.alarm"), deviceEvent: pendant }
])

layer(IncidentViews.layer.pipe(Layer.provideMerge(TestDatabase)), { excludeTestServices: true })("the headline in the read models (issue 21)", (it) => {
  it.effect("a pendant alarm joining an open low-battery incident: the queue row is P1, care, safety_alarm:pendant; the timeline lists both and when the headline changed", () =>
    Effect.gen(function*() {
      yield* resumePoint()
      const sql = yield* SqlClient.SqlClient
      const records = lowBatteryThenPendant("inc-headline-1")
      yield* Effect.forEach(records, (r, i) => applyIncidentRecord(r, i + 1), { discard: true })

      // The row's own columns, which the queue orders and filters by, follow the headline.
      const rows = yield* sql<{ priority: string; category: string; alarm_type: string }>`
        SELECT priority, category, alarm_type FROM incidents WHERE tenant = 'demo' AND incident_id = 'inc-headline-1'`
      expect(rows).toEqual([{ priority: "P1", category: "care", alarm_type: "safety_alarm:pendant" }])

      const views = yield* IncidentViews
      const view = Option.getOrThrow(yield* views.get(["demo"], "inc-headline-1"))
      expect(view).toMatchObject({ priority: "P1", category: "care", alarmType: "safety_alarm:pendant", headline: { alarmType: "safety_alarm:pendant", priority: "P1", deviceId: "alarm-000101" } })
      expect(view.signals?.map((s) => s.alarmType)).toEqual(["technical:low_battery", "safety_alarm:pendant"])

      const timeline = Option.getOrThrow(yield* views.timeline(["demo"], "inc-headline-1"))
      const devices = timeline.filter((e) => e.kind === "device_event").map((e) => e.summary)
      expect(devices).toEqual([expect.stringContaining("technical:low_battery from alarm-000101"), expect.stringContaining("safety_alarm:pendant from alarm-000101")])
      expect(timeline.find((e) => e.kind === "incident_opened")?.summary).toContain("P4 technical:low_battery")
      const headline = timeline.filter((e) => e.kind === "headline")
      expect(headline).toHaveLength(1)
      expect(headline[0]).toMatchObject({ version: 2, at: t1, summary: expect.stringContaining("safety_alarm:pendant from alarm-000101 now heads the incident (P1, care)") })
      // The alarm types as data too, for a reader in another language than the summaries' English.
      expect(timeline.filter((e) => e.alarmType !== undefined).map((e) => [e.kind, e.alarmType])).toEqual([
        ["device_event", "technical:low_battery"],
        ["incident_opened", "technical:low_battery"],
        ["device_event", "safety_alarm:pendant"],
        ["headline", "safety_alarm:pendant"]
      ])

      // The reports' transitions carry the category of the headline at each step.
      const steps = yield* sql<{ version: number; priority: string; category: string; alarm_type: string }>`
        SELECT version, priority, category, alarm_type FROM incident_transitions WHERE incident_id = 'inc-headline-1' ORDER BY version`
      expect(steps).toEqual([
        { version: 1, priority: "P4", category: "technical", alarm_type: "technical:low_battery" },
        { version: 2, priority: "P1", category: "care", alarm_type: "safety_alarm:pendant" }
      ])
    }))

  it.effect("a less urgent event joining writes no headline line, and a record stored before headlines is still read", () =>
    Effect.gen(function*() {
      yield* resumePoint()
      const records = recordsOf("inc-headline-2", [
        { type: "open_incident", at: t0, incidentId: "inc-headline-2", tenant: "demo", residentId: "res-0102", decision: decision("P1", "care", "care.alarm"), deviceEvent: { ...pendant, id: "evt-p-2", deviceId: "alarm-000102" } },
        { type: "correlate_device_event", at: t1, decision: decision("P4", "technical", "technical.fault"), deviceEvent: { ...battery, id: "evt-b-2", deviceId: "alarm-000102" } }
      ])
      // As an older triage stored it: no headline, signals or categories.
      const { headline: _h, signals: _s, categories: _c, ...legacy } = records[0]!.state
      yield* applyIncidentRecord({ event: records[0]!.event, state: legacy }, 101)
      const views = yield* IncidentViews
      expect(Option.getOrThrow(yield* views.get(["demo"], "inc-headline-2"))).toMatchObject({ alarmType: "safety_alarm:pendant", category: "care" })
      yield* applyIncidentRecord(records[1]!, 102)
      const timeline = Option.getOrThrow(yield* views.timeline(["demo"], "inc-headline-2"))
      expect(timeline.filter((e) => e.kind === "headline")).toEqual([])
      expect(Option.getOrThrow(yield* views.get(["demo"], "inc-headline-2"))).toMatchObject({ priority: "P1", alarmType: "safety_alarm:pendant", category: "care" })
    }))
})
