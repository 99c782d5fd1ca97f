import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Dispatch: zones (by postcode), home-care teams with members and shifts, responder
 * devices (only a token's sha256 is stored), outside agencies with their channel,
 * e-lock access grants, and the handover settings of a response plan.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE dispatch_zones (
    tenant text NOT NULL REFERENCES tenants (id),
    id text NOT NULL,
    name text NOT NULL,
    postcodes text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, id)
  )`
  yield* sql`CREATE TABLE responder_teams (
    tenant text NOT NULL REFERENCES tenants (id),
    id text NOT NULL,
    name text NOT NULL,
    zone text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, zone) REFERENCES dispatch_zones (tenant, id)
  )`
  // Daily duty windows in minutes after local midnight; a window may wrap past midnight (from > to).
  yield* sql`CREATE TABLE responder_shifts (
    tenant text NOT NULL,
    team_id text NOT NULL,
    from_minute integer NOT NULL CHECK (from_minute BETWEEN 0 AND 1440),
    to_minute integer NOT NULL CHECK (to_minute BETWEEN 0 AND 1440),
    FOREIGN KEY (tenant, team_id) REFERENCES responder_teams (tenant, id) ON DELETE CASCADE
  )`
  yield* sql`CREATE TABLE responder_members (
    tenant text NOT NULL,
    id text NOT NULL,
    team_id text NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, team_id) REFERENCES responder_teams (tenant, id) ON DELETE CASCADE
  )`
  // A device is a team member's phone, or a next of kin's phone for one resident's contact cascade.
  yield* sql`CREATE TABLE responder_devices (
    token_hash text PRIMARY KEY,
    tenant text NOT NULL REFERENCES tenants (id),
    kind text NOT NULL CHECK (kind IN ('member', 'contact')),
    member_id text,
    resident_id text,
    contact_position integer,
    label text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK ((kind = 'member' AND member_id IS NOT NULL) OR (kind = 'contact' AND resident_id IS NOT NULL AND contact_position IS NOT NULL))
  )`
  yield* sql`CREATE TABLE agencies (
    tenant text NOT NULL REFERENCES tenants (id),
    code text NOT NULL CHECK (code IN ('110', '112', '113')),
    name text NOT NULL,
    channel text NOT NULL,
    PRIMARY KEY (tenant, code)
  )`
  yield* sql`CREATE TABLE elock_grants (
    id text PRIMARY KEY,
    tenant text NOT NULL,
    incident_id text NOT NULL,
    resident_id text NOT NULL,
    lock_id text NOT NULL,
    responder_id text NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text
  )`
  yield* sql`CREATE INDEX elock_grants_open ON elock_grants (tenant, responder_id) WHERE revoked_at IS NULL`
  // {offerS, startS, arrivalGraceS, visitS, radiusM, contactCascade, contactTimeoutS}; null means the defaults.
  yield* sql`ALTER TABLE response_plans ADD COLUMN handover jsonb`
})
