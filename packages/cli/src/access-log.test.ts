import { assert, describe, layer } from "@effect/vitest"
import { appendAuditEntry } from "@wt/audit-log"
import type { AuditEntry } from "@wt/contracts"
import { natsClientEnv } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Effect } from "effect"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const view = (n: number, tenant: string, residentId: string, incidentId?: string): AuditEntry => ({
  id: `view-${n}`,
  tenant,
  kind: "record_view",
  at: `2026-11-25T10:${String(n).padStart(2, "0")}:00.000Z`,
  actor: { kind: n % 2 === 0 ? "operator" : "supervisor", id: `u-${n}`, name: `User ${n}` },
  subject: { residentId, ...(incidentId === undefined ? {} : { incidentId }) },
  summary: incidentId === undefined ? "opened the resident's record" : "opened the resident's record while handling an alarm"
})

describe("wt access-log", () => {
  layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 60_000 })((it) => {
    it.effect("lists who looked at one resident's information, when and why, and records that it was read", () =>
      Effect.gen(function*() {
        const { access, url } = yield* NatsTestServer
        const dir = yield* scratchDir("access")
        const wt = cliRunner({ NATS_URL: url, WT_DATA_DIR: dir, ...natsClientEnv(access("cli")) })

        yield* appendAuditEntry(view(3, "demo", "res-0007", "inc-9"))
        yield* appendAuditEntry(view(1, "demo", "res-0007"))
        yield* appendAuditEntry(view(2, "demo", "res-00071"))
        yield* appendAuditEntry(view(4, "nordby", "res-0007"))
        // Not a view: an incident event that mentions the resident is no access-log line.
        yield* appendAuditEntry({ ...view(5, "demo", "res-0007"), kind: "incident_event" })

        const first = yield* wt("access-log", "res-0007", "--tenant", "demo", "--json")
        assert.strictEqual(first.code, 0, first.stderr)
        const log = JSON.parse(first.stdout)
        assert.deepStrictEqual(log.views.map((v: { who: { id: string }; incidentId?: string; at: string }) => [v.at, v.who.id, v.incidentId ?? null]), [
          ["2026-11-25T10:01:00.000Z", "u-1", null],
          ["2026-11-25T10:03:00.000Z", "u-3", "inc-9"]
        ])
        assert.strictEqual(log.views[1].why, "opened the resident's record while handling an alarm")

        const text = yield* wt("access-log", "res-0007")
        assert.strictEqual(text.code, 0, text.stderr)
        assert.include(text.stdout, "4 views")
        assert.include(text.stdout, "supervisor:u-3 (User 3)  opened the resident's record while handling an alarm  [incident inc-9]")
        assert.include(text.stdout, "access log read with wt access-log")
      }))
  })
})
