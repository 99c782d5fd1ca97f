import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * The incident read models: the queue (`incidents`) and the supervisor's timeline
 * (`incident_timeline`, several entries per incident event: the device event, the
 * triage decision, the incident event itself). Idempotent, so the projector can run
 * it at every start and rebuild what was dropped. An incident is keyed by its tenant and
 * its id: an id is unique only within its tenant's subjects on WT_INCIDENT, so a row of
 * one tenant can never be written over by another's.
 */
export const createIncidentViews = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS incidents (
    incident_id text NOT NULL,
    tenant text NOT NULL,
    resident_id text NOT NULL,
    status text NOT NULL,
    priority text NOT NULL,
    priority_rank integer NOT NULL,
    category text NOT NULL,
    alarm_type text NOT NULL,
    owner jsonb NOT NULL,
    opened_at timestamptz NOT NULL,
    claimed_at timestamptz,
    claimed_by jsonb,
    ended_at timestamptz,
    last_event_at timestamptz NOT NULL,
    version integer NOT NULL,
    stream_seq bigint NOT NULL,
    state jsonb NOT NULL,
    PRIMARY KEY (tenant, incident_id)
  )`
  yield* sql`CREATE INDEX IF NOT EXISTS incidents_queue ON incidents (tenant, status, priority_rank, opened_at)`
  yield* sql`CREATE INDEX IF NOT EXISTS incidents_resident ON incidents (tenant, resident_id)`
  yield* sql`CREATE TABLE IF NOT EXISTS incident_timeline (
    tenant text NOT NULL,
    incident_id text NOT NULL,
    version integer NOT NULL,
    entry smallint NOT NULL,
    stream_seq bigint NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL,
    actor jsonb NOT NULL,
    summary text NOT NULL,
    detail jsonb NOT NULL,
    PRIMARY KEY (tenant, incident_id, version, entry)
  )`
  yield* sql`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name text PRIMARY KEY,
    stream_seq bigint NOT NULL
  )`
})
