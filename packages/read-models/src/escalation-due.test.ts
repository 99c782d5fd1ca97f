import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestDatabase } from "@wt/db/testing"
import { DefaultEscalationLimits } from "@wt/incident"
import { IncidentViews } from "./incident-views.ts"

const now = Date.parse("2026-11-26T03:00:00.000Z")
const ago = (ms: number) => new Date(now - ms).toISOString()

layer(IncidentViews.layer.pipe(Layer.provideMerge(TestDatabase)), { excludeTestServices: true })("incidents due for escalation", (it) => {
  it.effect("reads only the unclaimed ones whose next level is due, most urgent first, however many older ones wait", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const insert = (id: string, priority: string, rank: number, status: string, openedMsAgo: number, escalationLevel?: number) => {
        const state = { incidentId: id, tenant: "demo", priority, status, openedAt: ago(openedMsAgo), ...(escalationLevel === undefined ? {} : { escalationLevel }) }
        return sql`INSERT INTO incidents (incident_id, tenant, resident_id, status, priority, priority_rank, category, alarm_type, owner,
            opened_at, last_event_at, version, stream_seq, state)
          VALUES (${id}, 'demo', ${`res-${id}`}, ${status}, ${priority}, ${rank}, 'care', 'safety_alarm:pendant', '{}'::jsonb,
            ${ago(openedMsAgo)}, ${ago(0)}, 1, 1, ${JSON.stringify(state)}::jsonb)`
      }
      // 1,200 P4s have waited long: before, the sweep read the 1,000 oldest open incidents and never reached a newer P1.
      for (let n = 0; n < 1200; n++) yield* insert(`p4-${n}`, "P4", 4, "open", 2 * 3_600_000 + n)
      yield* insert("p1-due", "P1", 1, "open", 31_000)
      yield* insert("p1-due-again", "P1", 1, "open", 61_000, 1)
      yield* insert("p1-escalated-already", "P1", 1, "open", 45_000, 1)
      yield* insert("p1-young", "P1", 1, "open", 10_000)
      yield* insert("p1-claimed", "P1", 1, "claimed", 90_000)
      yield* insert("p2-young", "P2", 2, "open", 100_000)

      const views = yield* IncidentViews
      const due = yield* views.dueForEscalation(now, DefaultEscalationLimits)
      expect(due.slice(0, 2).map((s) => s.incidentId)).toEqual(["p1-due-again", "p1-due"])
      expect(due).toHaveLength(1000)
      expect(due.slice(2).every((s) => s.priority === "P4")).toBe(true)
      const ids = new Set(due.map((s) => s.incidentId))
      for (const notDue of ["p1-escalated-already", "p1-young", "p1-claimed", "p2-young"]) expect(ids.has(notDue)).toBe(false)
      // A P4 that reached level 2 after two hours is not due again until three.
      yield* sql`UPDATE incidents SET state = jsonb_set(state, '{escalationLevel}', '2') WHERE priority = 'P4'`
      expect((yield* views.dueForEscalation(now, DefaultEscalationLimits)).map((s) => s.incidentId)).toEqual(["p1-due-again", "p1-due"])
    }))
})
