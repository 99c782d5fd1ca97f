import { Config } from "effect"

/** A TCP port from the environment variable `name`, `fallback` when unset. */
export const portConfig = (name: string, fallback: number): Config.Config<number> =>
  Config.Port(name).pipe(Config.withDefault(fallback))

/** Console + API port (contract: `WT_HTTP_PORT`, default 8080). */
export const httpPortConfig: Config.Config<number> = portConfig("WT_HTTP_PORT", 8080)

/** HTTP ingest port (contract: `WT_INGEST_PORT`, default 8081). */
export const ingestPortConfig: Config.Config<number> = portConfig("WT_INGEST_PORT", 8081)
