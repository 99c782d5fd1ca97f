import { assert, describe, layer } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { TestDatabase } from "@wt/db/testing"
import { applyIncidentRecord } from "@wt/read-models"
import { scriptedDay } from "@wt/reports/testing"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { cliRunner as cli, scratchDir } from "./cli-harness.ts"

const tempDir = scratchDir("report")

describe("wt report", () => {
  layer(TestDatabase, { timeout: 90_000 })((it) => {
    it.effect("prints the scripted day's SLA figures as JSON, CSV and text, and writes a report file", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO tenants (id, name) VALUES ('demo', 'Demo'), ('north', 'North') ON CONFLICT DO NOTHING`
        yield* Effect.forEach(scriptedDay(), (r, i) => applyIncidentRecord(r, i + 1), { discard: true })
        const url = Redacted.value((yield* PgClient.PgClient).config.url!)
        const dir = yield* tempDir
        const wt = cli({ DATABASE_URL: url, WT_DATA_DIR: dir })

        // The Oslo day 24 November 2026 (see the reports package's scripted-day test for the arithmetic).
        const json = yield* wt("report", "sla", "--day", "2026-11-24", "--format", "json")
        assert.strictEqual(json.code, 0, json.stderr)
        const report = JSON.parse(json.stdout)
        assert.strictEqual(report.from, "2026-11-23T23:00:00.000Z")
        assert.strictEqual(report.to, "2026-11-24T23:00:00.000Z")
        assert.deepInclude(report.tables[0].rows[0], { tenant: "demo", by: "all", received: 14, answered: 11, within60s: 7, share60s: 0.5833, share180s: 0.8333, meetsTargets: false })
        assert.deepInclude(report.tables[1].rows[0], { incidentId: "day-C", timelineUrl: "/#/timeline/day-C", timelineCommand: "pnpm wt timeline day-C" })

        const csv = yield* wt("report", "sla", "--from", "2026-11-23T23:00:00Z", "--to", "2026-11-24T23:00:00Z", "--tenant", "north", "--format", "csv")
        assert.strictEqual(csv.code, 0, csv.stderr)
        const lines = csv.stdout.trimEnd().split("\r\n")
        assert.strictEqual(lines[0], "tenant,by,group,received,answered,waiting,withdrawn,within60s,counted60s,share60s,within180s,counted180s,share180s,medianMs,p90Ms,maxMs,meetsTargets")
        assert.deepStrictEqual(lines.slice(1), [
          "north,all,all,2,2,0,0,1,2,0.5,2,2,1,20000,100000,100000,false",
          "north,priority,P1,1,1,0,0,0,1,0,1,1,1,100000,100000,100000,false",
          "north,priority,P2,1,1,0,0,1,1,1,1,1,1,20000,20000,20000,true",
          "north,hour,08,2,2,0,0,1,2,0.5,2,2,1,20000,100000,100000,false"
        ])

        const text = yield* wt("report", "sla", "--day", "2026-11-24", "--tenant", "demo")
        assert.strictEqual(text.code, 0, text.stderr)
        assert.include(text.stdout, "Answer time (received → claimed)")
        assert.match(text.stdout, /demo\s+all\s+all\s+14\s+11\s+1\s+2\s+7\s+12\s+58\.33 %/)
        assert.include(text.stdout, "pnpm wt timeline day-L")

        const out = join(dir, "gaps.csv")
        const written = yield* wt("report", "ownerless", "--day", "2026-11-24", "--format", "csv", "--out", out)
        assert.strictEqual(written.code, 0, written.stderr)
        assert.strictEqual(statSync(out).mode & 0o777, 0o600)
        // Waits in the queue from opening (50 ms after receipt) to the claim, against P1 30 s and P2 2 min:
        // P1s B 44.95 s, C 60.95 s, N1 99.95 s, M 39.95 s (a P1 joined it); P2s E 149.95 s, F 199.95 s, and L,
        // still waiting at the end of the day. A 11.95 s, K 4.95 s, D 59.95 s (P2) and the P3/P4s are within their limits.
        const ids = readFileSync(out, "utf8").trimEnd().split("\r\n").slice(1).map((l) => l.split(",")[0])
        assert.deepStrictEqual(ids, ["day-B", "day-C", "day-E", "day-F", "day-N1", "day-M", "day-L"])
      }))

    it.effect("refuses an unknown tenant, a bad date and an empty period with exit code 1", () =>
      Effect.gen(function*() {
        const url = Redacted.value((yield* PgClient.PgClient).config.url!)
        const dir = yield* tempDir
        const wt = cli({ DATABASE_URL: url, WT_DATA_DIR: dir })
        const unknown = yield* wt("report", "indicators", "--tenant", "nowhere")
        assert.strictEqual(unknown.code, 1)
        assert.include(unknown.stderr, "no tenant nowhere")
        const bad = yield* wt("report", "floods", "--from", "yesterday")
        assert.strictEqual(bad.code, 1)
        assert.include(bad.stderr, "from is not an ISO date-time")
        const empty = yield* wt("report", "on-site", "--from", "2026-11-24T10:00:00Z", "--to", "2026-11-24T09:00:00Z")
        assert.strictEqual(empty.code, 1)
      }))
  })
})
