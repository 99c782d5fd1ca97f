import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Responder devices get random tokens. Until now every device row was seeded for the demo,
 * its token an HMAC of the demo ingest key, so whoever held the ingest key could act as any
 * responder: those rows are removed (the demo seeds random tokens again when its simulated
 * responders run). `origin` tells a demo device (replaced or removed with the demo) from one
 * an administrator issued. E-lock grants are keyed by tenant too, like everything they name.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DELETE FROM responder_devices`
  yield* sql`ALTER TABLE responder_devices ADD COLUMN origin text NOT NULL DEFAULT 'admin' CHECK (origin IN ('demo', 'admin'))`
  // A public handle for listing and revoking a device (the table is empty here, so NOT NULL holds).
  yield* sql`ALTER TABLE responder_devices ADD COLUMN id text NOT NULL`
  yield* sql`CREATE UNIQUE INDEX responder_devices_id ON responder_devices (tenant, id)`
  yield* sql`CREATE INDEX responder_devices_member ON responder_devices (tenant, member_id) WHERE member_id IS NOT NULL`
  yield* sql`ALTER TABLE elock_grants DROP CONSTRAINT elock_grants_pkey`
  yield* sql`ALTER TABLE elock_grants ADD PRIMARY KEY (tenant, id)`
})
