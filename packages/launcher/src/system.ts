import type { LocalUser, NatsClientAccess } from "@wt/nats"
import { Effect } from "effect"
import { natsUserEnv, natsUserOf } from "./nats-access.ts"
import { type ServiceProcess, startServiceProcess } from "./service-process.ts"
import { defaultPorts, portVariable, type ServiceName, ServiceNames } from "./services.ts"

export interface SystemOptions {
  readonly natsUrl: string
  /**
   * How each NATS user connects, for a NATS this installation runs (`EmbeddedNats.access`): every
   * service gets its own user's credentials. Unset (an operator's NATS): from the environment,
   * per service where `NATS_*_<USER>` is set (docs/nats-security.md).
   */
  readonly natsAccess?: ((user: LocalUser) => NatsClientAccess) | undefined
  readonly databaseUrl: string
  /** Per-service port overrides; defaults are the contract ports. */
  readonly ports?: Partial<Record<ServiceName, number>>
  /** Extra environment for every service (LOG_LEVEL …). */
  readonly env?: Readonly<Record<string, string>>
  readonly services?: ReadonlyArray<ServiceName>
  /** Database connections per service; PGlite serves one query at a time, so keep it small there. */
  readonly poolMax?: number
  readonly onLine?: (service: string, line: string) => void
  /** Restart a service that dies on its own (pnpm start); tests that kill services leave this off. */
  readonly restartOnCrash?: boolean
}

export type RunningSystem = Readonly<Record<ServiceName, ServiceProcess>> & {
  readonly ports: Readonly<Record<ServiceName, number>>
}

/**
 * Starts every service as its own process against one NATS and one PostgreSQL,
 * each waited for until /readyz answers; the scope's end stops them all.
 * Consumers start first so nothing the gateway accepts waits for a service to come up.
 */
export const startSystem = Effect.fn("Launcher.startSystem")(function*(options: SystemOptions) {
  const ports = { ...defaultPorts, ...options.ports }
  const names = options.services ?? ServiceNames
  const env: Record<string, string> = {
    NATS_URL: options.natsUrl,
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_MAX: String(options.poolMax ?? 2),
    ...options.env
  }
  for (const name of names) env[portVariable[name]] = String(ports[name])
  const order: ReadonlyArray<ServiceName> = ["projector", "audit", "triage", "triage-bulk", "supervision", "dispatch", "console", "gateway", "receivers"]
  const started = yield* Effect.forEach(
    order.filter((n) => names.includes(n)),
    (name) =>
      startServiceProcess({
        name,
        port: ports[name],
        env: { ...env, ...natsUserEnv(natsUserOf[name], options.natsAccess) },
        restartOnCrash: options.restartOnCrash === true,
        ...(options.onLine ? { onLine: options.onLine } : {})
      }).pipe(
        Effect.map((p) => [name, p] as const)
      ),
    { concurrency: "unbounded" }
  )
  return { ...Object.fromEntries(started), ports } as RunningSystem
})
