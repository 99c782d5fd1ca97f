import { Config } from "effect"

/** How to reach PostgreSQL. The pool is small by default because embedded PGlite has a single backend. */
export const DatabaseConfig = Config.all({
  url: Config.Redacted("DATABASE_URL"),
  poolMax: Config.Int("DATABASE_POOL_MAX").pipe(Config.withDefault(2))
})
export type DatabaseConfig = Config.Success<typeof DatabaseConfig>
