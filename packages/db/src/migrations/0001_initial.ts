import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** Registry, users, ingest keys and the incident read models. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`CREATE TABLE tenants (
    id text PRIMARY KEY,
    name text NOT NULL
  )`

  // Only the sha256 of an ingest key is stored; the key itself is shown once.
  yield* sql`CREATE TABLE ingest_keys (
    key_hash text PRIMARY KEY,
    tenant text NOT NULL REFERENCES tenants (id),
    label text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`

  yield* sql`CREATE TABLE users (
    id text PRIMARY KEY,
    username text NOT NULL UNIQUE,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),
    tenants text[] NOT NULL DEFAULT '{}',
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`

  yield* sql`CREATE TABLE residents (
    id text NOT NULL,
    tenant text NOT NULL REFERENCES tenants (id),
    display_name text NOT NULL,
    birth_year integer,
    language text NOT NULL DEFAULT 'nb',
    dementia boolean NOT NULL DEFAULT false,
    mobility text,
    health_notes jsonb NOT NULL DEFAULT '[]',
    key_access jsonb NOT NULL DEFAULT '{"kind":"none"}',
    gps_legal_basis text CHECK (gps_legal_basis IN ('consent', 'decision_4_6a')),
    geofence jsonb,
    response_plan_id text,
    record jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, id)
  )`

  yield* sql`CREATE TABLE addresses (
    resident_id text NOT NULL,
    tenant text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('home', 'temporary')),
    street text NOT NULL,
    postcode text NOT NULL,
    city text NOT NULL,
    lat double precision,
    lon double precision,
    valid_from date,
    valid_to date,
    FOREIGN KEY (tenant, resident_id) REFERENCES residents (tenant, id) ON DELETE CASCADE
  )`
  yield* sql`CREATE INDEX addresses_resident ON addresses (tenant, resident_id)`

  yield* sql`CREATE TABLE devices (
    id text NOT NULL,
    tenant text NOT NULL REFERENCES tenants (id),
    resident_id text NOT NULL,
    type text NOT NULL CHECK (type IN ('safety_alarm', 'sensor', 'gps', 'medication')),
    sensor text,
    placement text,
    heartbeat_interval_s integer NOT NULL DEFAULT 60,
    active boolean NOT NULL DEFAULT true,
    -- safety alarms: the triggers the unit can send, e.g. ["pendant","fall_detector"]
    triggers jsonb,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, resident_id) REFERENCES residents (tenant, id) ON DELETE CASCADE
  )`
  yield* sql`CREATE INDEX devices_resident ON devices (tenant, resident_id)`

  yield* sql`CREATE TABLE contacts (
    resident_id text NOT NULL,
    tenant text NOT NULL,
    position integer NOT NULL,
    name text NOT NULL,
    relation text NOT NULL,
    phone text NOT NULL,
    keyholder boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, resident_id, position),
    FOREIGN KEY (tenant, resident_id) REFERENCES residents (tenant, id) ON DELETE CASCADE
  )`

  // One row per (plan, alarm type): a plan is the set of rows sharing an id.
  yield* sql`CREATE TABLE response_plans (
    id text NOT NULL,
    tenant text NOT NULL REFERENCES tenants (id),
    alarm_type text NOT NULL,
    title text NOT NULL,
    steps jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant, id, alarm_type)
  )`
})
