import { PgMigrator } from "@effect/sql-pg"
import { Effect, Layer } from "effect"
import { migrations } from "./migrations/index.ts"

// PgMigrator.run also wants pg_dump's process and file-system services for schema
// dumps, which are never used here; the same migrator without the dump needs only SqlClient.
const runMigrations = PgMigrator.make({})

/**
 * Applies pending migrations in one transaction under a table lock, so several
 * services starting at once apply each migration exactly once. Returns the ones applied.
 */
export const migrate = runMigrations({
  loader: PgMigrator.fromRecord(migrations),
  table: "wt_migrations"
}).pipe(Effect.withSpan("Database.migrate"))

/** Runs `migrate` when built; put it above the SQL client layer. */
export const MigrationsLayer = Layer.effectDiscard(migrate)
