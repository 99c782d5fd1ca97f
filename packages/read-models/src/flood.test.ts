import { describe, expect, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { TestDatabase } from "@wt/db/testing"
import { floodFigures, inFlood } from "./flood.ts"

describe("alarm flood hysteresis (ISA-18.2)", () => {
  it.each([
    [false, 10, false],
    [false, 10.5, true],
    [true, 5, true],
    [true, 4.9, false],
    [false, 7, false],
    [true, 7, true]
  ])("was in flood %s, rate %s → in flood %s", (was, rate, expected) => {
    expect(inFlood(was, rate)).toBe(expected)
  })
})

layer(TestDatabase, { excludeTestServices: true })("flood figures from the read model", (it) => {
  it.effect("counts the last 10 minutes' incidents per operator with a live session", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const id of ["kari", "ola", "sara"]) {
        yield* sql`INSERT INTO users (id, username, display_name, role, tenants, password_hash)
          VALUES (${id}, ${id}, ${id}, ${id === "sara" ? "supervisor" : "operator"}, ${sql.literal("ARRAY['demo']")}, 'x')`
      }
      yield* sql`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ('t1', 'kari', now() + interval '1 hour'), ('t2', 'ola', now() + interval '1 hour'),
        ('t3', 'sara', now() + interval '1 hour'), ('t4', 'ola', now() - interval '1 hour')`
      for (let n = 0; n < 30; n++) {
        const opened = n < 25 ? "now()" : "now() - interval '20 minutes'"
        yield* sql`INSERT INTO incidents (incident_id, tenant, resident_id, status, priority, priority_rank, category, alarm_type, owner,
            opened_at, last_event_at, version, stream_seq, state)
          VALUES (${`inc-${n}`}, 'demo', ${`res-${n}`}, 'open', 'P1', 1, 'care', 'safety_alarm:pendant', '{}'::jsonb, ${sql.literal(opened)}, now(), 1, ${n + 1}, '{}'::jsonb)`
      }
      const [demo] = yield* floodFigures()
      expect(demo).toEqual({ tenant: "demo", alarmsLast10Min: 25, operatorsOnDuty: 2, rate: 12.5 })
      expect(inFlood(false, demo!.rate)).toBe(true)
    }))
})
