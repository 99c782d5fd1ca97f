import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * A resident's response plan may override triage: raise a rule's priority, or change its
 * parameters (left-bed minutes, night hours, geofence radius, morning hour). Kept as the
 * triage-rules `PlanOverrides` shape without the plan id, which is `response_plan_id`.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE residents ADD COLUMN plan_overrides jsonb`
})
