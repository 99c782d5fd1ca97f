import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { createIncidentViews } from "@wt/read-models/schema"
import { createIncidentTransitions } from "@wt/read-models/transitions"

/**
 * The incident read models keyed by tenant and incident id, not by incident id alone: an
 * incident of one tenant overwrote another tenant's row with the same id, and an operator of
 * the first then read and claimed the second's incident. The tables are only projections of
 * WT_INCIDENT, so they are dropped and made anew; without its checkpoint the projector
 * replays the stream into them at its next start.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP TABLE IF EXISTS incidents`
  yield* sql`DROP TABLE IF EXISTS incident_timeline`
  yield* sql`DROP TABLE IF EXISTS incident_transitions`
  yield* sql`DELETE FROM projection_checkpoints WHERE name = 'incidents'`
  yield* createIncidentViews
  yield* createIncidentTransitions
})
