import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * The console's language, chosen per user (`nb` Norwegian bokmål, `en` English).
 * NULL until the user chooses one: until then the browser's own language decides (a Norwegian
 * workstation shows Norwegian). Switched in the web app (`PUT /api/session/language`).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE users ADD COLUMN language text CHECK (language IN ('nb', 'en'))`
})
