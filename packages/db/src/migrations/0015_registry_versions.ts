import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * A version per tenant that every change to its devices or residents moves on. Services that hold
 * a tenant's whole fleet in memory (triage-bulk's device owners) ask this one row every few seconds
 * and read the fleet again only when it moved, instead of rereading every device each time: with
 * 100,000 devices that reread was the largest steady cost of a process at rest.
 *
 * Statement triggers, so a seed or import of thousands of rows moves the version once per statement.
 * A tenant with no row has had no change since this migration: version 0.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE registry_versions (
    tenant text PRIMARY KEY,
    version bigint NOT NULL
  )`
  for (const rows of ["new_rows", "old_rows"] as const) {
    yield* sql.unsafe(`CREATE FUNCTION registry_changed_${rows}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO registry_versions (tenant, version)
        SELECT DISTINCT tenant, 1 FROM ${rows}
        ON CONFLICT (tenant) DO UPDATE SET version = registry_versions.version + 1;
        RETURN NULL;
      END
    $$`)
  }
  // A transition table serves one kind of event per trigger: three triggers per table.
  for (const table of ["devices", "residents"] as const) {
    yield* sql.unsafe(`CREATE TRIGGER ${table}_inserted AFTER INSERT ON ${table}
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_changed_new_rows()`)
    yield* sql.unsafe(`CREATE TRIGGER ${table}_updated AFTER UPDATE ON ${table}
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_changed_new_rows()`)
    yield* sql.unsafe(`CREATE TRIGGER ${table}_deleted AFTER DELETE ON ${table}
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_changed_old_rows()`)
  }
})
