import { Config, Option } from "effect"

/** A TCP port from the environment variable `name`, `fallback` when unset. */
export const portConfig = (name: string, fallback: number): Config.Config<number> =>
  Config.Port(name).pipe(Config.withDefault(fallback))

/** Console + API port (contract: `WT_HTTP_PORT`, default 8080). */
export const httpPortConfig: Config.Config<number> = portConfig("WT_HTTP_PORT", 8080)

/** HTTP ingest port (contract: `WT_INGEST_PORT`, default 8081). */
export const ingestPortConfig: Config.Config<number> = portConfig("WT_INGEST_PORT", 8081)

/** Loopback, where a service listens unless told otherwise. */
export const DefaultBindHost = "127.0.0.1"

/**
 * The interface every service listens on (`WT_BIND_HOST`). Loopback by default: a service
 * is reached from elsewhere only when its operator says so (`0.0.0.0`, `::` or an address).
 */
export const bindHostConfig: Config.Config<string> = Config.String("WT_BIND_HOST").pipe(Config.withDefault(DefaultBindHost))

/** Whether a bind host (`WT_BIND_HOST`) is reachable from this machine only. */
export const isLoopbackHost = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(host)

/**
 * Which process this is, when its launcher says (`WT_INSTANCE`): the health probes answer with it,
 * so the launcher knows the "ready" it reads is its own process's and not another's on the same port.
 */
export const instanceConfig: Config.Config<string | undefined> = Config.option(Config.String("WT_INSTANCE")).pipe(Config.map(Option.getOrUndefined))
