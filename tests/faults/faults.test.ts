import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { faultTable, QuickPlan, runFaultSuite } from "./suite.ts"

const logDir = mkdtempSync(join(tmpdir(), "wt-faults-"))
// Kept when the suite found something: the services' log is where a lost or doubled event is followed up.
let keepLogs = false
afterAll(() => {
  if (keepLogs) process.stdout.write(`[faults] the services' and the nodes' logs kept in ${logDir}\n`)
  else rmSync(logDir, { recursive: true, force: true })
})

/**
 * The fault suite's short form (`pnpm faults --quick`; the full one: `pnpm faults`): three
 * nats-server nodes over TLS, R3 streams, two copies of each service, a steady mixed load with
 * care alarms over both gateways; the node leading WT_DEVICE SIGKILLed, a node frozen, the alarm
 * lane's and a gateway's copy SIGKILLed. After each: every event answered 202 is stored once and
 * audited once, every care alarm is in exactly one incident and projected once, no incident
 * event is written twice, no stream has a hole, and `wt audit verify` finds the trail intact.
 */
describe("faults on the three-node cluster (short form)", () => {
  it.live("nothing accepted is lost or doubled, and the audit trail verifies, through each fault", () =>
    Effect.gen(function*() {
      const result = yield* runFaultSuite(QuickPlan, { logFile: join(logDir, "services.log"), log: (line) => process.stdout.write(`[faults] ${line}\n`) })
      process.stdout.write(`${faultTable(result.rows)}\n`)
      // Every row's anomalies in full, not only the first failing row's as the assertion shows them.
      for (const row of result.rows.filter((r) => r.anomalies.samples.length > 0 || r.audit_verify !== "intact")) {
        keepLogs = true
        process.stdout.write(`[faults] ${row.fault}: ${JSON.stringify({ lost: row.lost_detail, anomalies: row.anomalies })}\n`)
      }
      expect(result.rows.map((r) => r.fault)).toEqual(["none (steady load)", ...QuickPlan.faults.map((f) => f.name)])
      for (const row of result.rows) {
        expect({ fault: row.fault, lost: row.lost, duplicated: row.duplicated, holes: row.stream_holes, audit: row.audit_verify, anomalies: row.anomalies.samples })
          .toEqual({ fault: row.fault, lost: 0, duplicated: 0, holes: {}, audit: "intact", anomalies: [] })
        // The load ran through it, care alarms included, and each reached an operator's live queue.
        expect(row.accepted).toBeGreaterThan(0)
        expect(row.care_alarms).toBeGreaterThan(0)
        expect(row.p1_ms.samples).toBeGreaterThan(0)
        expect(row.p1_ms.missing).toBe(0)
      }
    }).pipe(Effect.scoped), 900_000)
})
