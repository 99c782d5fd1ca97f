import { Array as Arr, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { type IncidentRecord, PriorityScale } from "@wt/contracts"
import { createIncidentViews } from "./schema.ts"
import { timelineEntries } from "./timeline-entries.ts"
import { createIncidentTransitions, transitionRow } from "./transitions.ts"

export const IncidentProjection = "incidents"

/**
 * Applies one stored incident record. Idempotent and order-safe: the queue row (its
 * alarm type and category are the incident's headline's, which a more urgent device event
 * joining it changes) only moves forward in version, timeline entries are keyed by (tenant, incident, version, entry),
 * and the checkpoint only moves forward, all in one transaction.
 */
export const applyIncidentRecord = Effect.fn("ReadModels.applyIncidentRecord")(function*(record: IncidentRecord, streamSeq: number) {
  const sql = yield* SqlClient.SqlClient
  const s = record.state
  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`INSERT INTO incidents (incident_id, tenant, resident_id, status, priority, priority_rank, category, alarm_type, owner,
        opened_at, claimed_at, claimed_by, ended_at, last_event_at, version, stream_seq, state)
      VALUES (${s.incidentId}, ${s.tenant}, ${s.residentId}, ${s.status}, ${s.priority}, ${PriorityScale[s.priority].rank}, ${s.category},
        ${s.alarmType}, ${JSON.stringify(s.owner)}::jsonb, ${s.openedAt}, ${s.claimedAt ?? null}, ${s.claimedBy ? JSON.stringify(s.claimedBy) : null}::jsonb,
        ${s.endedAt ?? null}, ${s.lastEventAt}, ${s.version}, ${streamSeq}, ${JSON.stringify(s)}::jsonb)
      ON CONFLICT (tenant, incident_id) DO UPDATE SET
        status = EXCLUDED.status, priority = EXCLUDED.priority, priority_rank = EXCLUDED.priority_rank,
        category = EXCLUDED.category, alarm_type = EXCLUDED.alarm_type, owner = EXCLUDED.owner,
        claimed_at = EXCLUDED.claimed_at, claimed_by = EXCLUDED.claimed_by, ended_at = EXCLUDED.ended_at,
        last_event_at = EXCLUDED.last_event_at, version = EXCLUDED.version, stream_seq = EXCLUDED.stream_seq, state = EXCLUDED.state
      WHERE incidents.version < EXCLUDED.version`
    // One statement for all of the record's entries: one round trip per record, not per entry.
    const entries: ReadonlyArray<Record<string, unknown>> = timelineEntries(record.event, s).map((t) => ({
      tenant: s.tenant,
      incident_id: s.incidentId,
      version: s.version,
      entry: t.entry,
      stream_seq: streamSeq,
      kind: t.kind,
      at: t.at,
      actor: JSON.stringify(t.actor),
      summary: t.summary,
      detail: JSON.stringify({ ...(t.handlingCode !== undefined ? { handlingCode: t.handlingCode } : {}), data: t.detail })
    }))
    if (Arr.isReadonlyArrayNonEmpty(entries)) {
      yield* sql`INSERT INTO incident_timeline ${sql.insert(entries)} ON CONFLICT DO NOTHING`
    }
    // The reports' transition row rides on the checkpoint's statement: no extra round trip per record.
    yield* sql`WITH transition AS (
        INSERT INTO incident_transitions ${sql.insert(transitionRow(record, streamSeq))} ON CONFLICT DO NOTHING
      )
      INSERT INTO projection_checkpoints (name, stream_seq) VALUES (${IncidentProjection}, ${streamSeq})
      ON CONFLICT (name) DO UPDATE SET stream_seq = GREATEST(projection_checkpoints.stream_seq, EXCLUDED.stream_seq)`
  }))
})

/**
 * Where to resume: one past the checkpoint. Recreates dropped tables first; when the
 * read model was dropped (no checkpoint), the answer is 1 and it is rebuilt from the stream.
 */
export const resumePoint = Effect.fn("ReadModels.resumePoint")(function*() {
  const sql = yield* SqlClient.SqlClient
  const present = yield* sql<{ incidents: string | null; timeline: string | null; transitions: string | null }>`
    SELECT to_regclass('incidents')::text AS incidents, to_regclass('incident_timeline')::text AS timeline,
      to_regclass('incident_transitions')::text AS transitions`
  yield* createIncidentViews
  yield* createIncidentTransitions
  // Transitions added to a database that already had incidents: replay so reports see their history too.
  const transitionsBehind = present[0]?.transitions == null ||
    (yield* sql<{ behind: boolean }>`SELECT EXISTS (SELECT 1 FROM incidents) AND NOT EXISTS (SELECT 1 FROM incident_transitions) AS behind`)[0]?.behind === true
  if (present[0]?.incidents == null || present[0]?.timeline == null || transitionsBehind) {
    yield* sql`DELETE FROM projection_checkpoints WHERE name = ${IncidentProjection}`
  }
  const rows = yield* sql<{ stream_seq: string | number }>`SELECT stream_seq FROM projection_checkpoints WHERE name = ${IncidentProjection}`
  return rows.length === 0 ? 1 : Number(rows[0]!.stream_seq) + 1
})
