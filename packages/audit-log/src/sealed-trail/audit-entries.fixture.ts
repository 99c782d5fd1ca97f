import type { AuditEntry } from "@wt/contracts"
import { appendAuditEntry } from "../audit-log.ts"
import { Effect } from "effect"

/** A realistic audit entry: an operator claiming an incident, numbered so every one differs. */
export const sampleEntry = (n: number, tenant = "demo"): AuditEntry => ({
  id: `test-${tenant}-${n}`,
  tenant,
  kind: "incident_event",
  at: new Date(Date.UTC(2026, 10, 25, 21, 0, 0, n)).toISOString(),
  actor: { kind: "operator", id: `u-${n % 7}` },
  subject: { incidentId: `inc-${n % 40}`, residentId: `res-${String(n % 300).padStart(4, "0")}` },
  origin: { stream: "WT_INCIDENT", seq: n },
  summary: `incident_claimed; status claimed, P2, owner operator:u-${n % 7}`,
  data: { type: "incident_claimed", n }
})

/** Appends entries `from`..`to` (inclusive) to WT_AUDIT, a few at a time. */
export const appendEntries = (from: number, to: number, tenant = "demo") =>
  Effect.forEach(
    Array.from({ length: to - from + 1 }, (_, i) => from + i),
    (n) => appendAuditEntry(sampleEntry(n, tenant)),
    { concurrency: 16, discard: true }
  )
