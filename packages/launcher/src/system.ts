import { freePort, type LocalUser, type NatsClientAccess } from "@wt/nats"
import { Effect } from "effect"
import { natsUserEnv, natsUserOf } from "./nats-access.ts"
import { firstFreePort, portIsFree, PortTaken } from "./port-check.ts"
import { type ServiceProcess, startServiceProcess } from "./service-process.ts"
import { copyEnvOf, defaultPorts, FixedPortServices, portVariable, type ServiceName, ServiceNames } from "./services.ts"

export interface SystemOptions {
  readonly natsUrl: string
  /**
   * How each NATS user connects, for a NATS this installation runs (`EmbeddedNats.access`): every
   * service gets its own user's credentials. Unset (an operator's NATS): from the environment,
   * per service where `NATS_*_<USER>` is set (docs/nats-security.md).
   */
  readonly natsAccess?: ((user: LocalUser) => NatsClientAccess) | undefined
  readonly databaseUrl: string
  /**
   * Per-service ports. Unset: the contract port for the console, ingest and the responder API
   * (`FixedPortServices`); for every other service the first free port from its contract port up.
   */
  readonly ports?: Partial<Record<ServiceName, number>>
  /** Extra environment for every service (LOG_LEVEL …). */
  readonly env?: Readonly<Record<string, string>>
  readonly services?: ReadonlyArray<ServiceName>
  /** Database connections per service; PGlite serves one query at a time, so keep it small there. */
  readonly poolMax?: number
  readonly onLine?: (service: string, line: string) => void
  /** Restart a service that dies on its own (pnpm start); tests that kill services leave this off. */
  readonly restartOnCrash?: boolean
  /**
   * Copies of each service (default 1): one number for every service, or per service. Copies
   * share their durable consumers (and split the messages), their database and their NATS user;
   * copy 1 serves on `ports`, each further copy on a free port of its own.
   */
  readonly copies?: number | Partial<Record<ServiceName, number>>
  /** Environment of copy `copy` (2, 3 …) beyond the shared one: e.g. a receivers copy's own device ports. */
  readonly copyEnv?: (name: ServiceName, copy: number) => Effect.Effect<Readonly<Record<string, string>>>
}

export type RunningSystem = Readonly<Record<ServiceName, ServiceProcess>> & {
  /** Copy 1's port of each service. */
  readonly ports: Readonly<Record<ServiceName, number>>
  /** Every copy of each service, copy 1 first (the same process as `system[name]`). */
  readonly copies: Readonly<Record<ServiceName, ReadonlyArray<ServiceProcess>>>
}

/** How many copies of `name` the options ask for. */
export const copiesOf = (copies: SystemOptions["copies"], name: ServiceName): number => {
  const n = typeof copies === "number" ? copies : copies?.[name] ?? 1
  return Number.isInteger(n) && n >= 1 ? n : 1
}

/**
 * Each service's port: as asked, else the contract port of a fixed-port service, else the first
 * free one from its contract port up (the contract port itself when no other system holds it).
 */
const portsOf = Effect.fn("Launcher.portsOf")(function*(asked: SystemOptions["ports"], host: string) {
  const ports = { ...defaultPorts }
  const assigned = new Set<number>()
  const unset = ServiceNames.filter((name) => asked?.[name] === undefined && !FixedPortServices.has(name))
  for (const name of ServiceNames.filter((n) => !unset.includes(n))) {
    ports[name] = asked?.[name] ?? defaultPorts[name]
    assigned.add(ports[name])
  }
  for (const name of unset) {
    ports[name] = (yield* firstFreePort(host, defaultPorts[name], assigned)) ?? (yield* freePort)
    assigned.add(ports[name])
  }
  return ports
})

/**
 * Starts every service as its own process against one NATS and one PostgreSQL,
 * each waited for until /readyz answers from that process; the scope's end stops them all.
 * A port held by another process fails the start before anything is spawned, naming the
 * service, the port and its variable; a service that dies or does not get ready fails it with
 * the reason (`ServiceNotReady`). Consumers start first so nothing the gateway accepts waits
 * for a service to come up.
 */
export const startSystem = Effect.fn("Launcher.startSystem")(function*(options: SystemOptions) {
  const names = options.services ?? ServiceNames
  const env: Record<string, string> = {
    NATS_URL: options.natsUrl,
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_MAX: String(options.poolMax ?? 2),
    ...options.env
  }
  // Where the services will listen (service-runtime's bindHostConfig reads the same variable).
  const host = env["WT_BIND_HOST"] ?? process.env["WT_BIND_HOST"] ?? "127.0.0.1"
  const ports = yield* portsOf(options.ports, host)
  const taken = yield* Effect.filter(names, (name) => Effect.map(portIsFree(host, ports[name]), (free) => !free))
  if (taken.length > 0) {
    return yield* new PortTaken({ host, taken: taken.map((service) => ({ service, port: ports[service], variable: portVariable[service] })) })
  }
  for (const name of names) env[portVariable[name]] = String(ports[name])
  const order: ReadonlyArray<ServiceName> = ["projector", "audit", "triage", "triage-bulk", "supervision", "dispatch", "console", "gateway", "receivers"]
  const planned = yield* Effect.forEach(order.filter((n) => names.includes(n)), (name) =>
    Effect.forEach(Array.from({ length: copiesOf(options.copies, name) }, (_, i) => i + 1), (copy) =>
      Effect.gen(function*() {
        if (copy === 1) return { name, copy, port: ports[name], env: {} }
        // Each copy its own port: /healthz, /readyz, /metrics and, for gateway and console, their APIs.
        const port = yield* freePort
        const own = options.copyEnv === undefined ? {} : yield* options.copyEnv(name, copy)
        return { name, copy, port, env: { ...copyEnvOf(name, copy), ...own } }
      })))
  const many = planned.some((copies) => copies.length > 1)
  const waves = Math.max(0, ...planned.map((copies) => copies.length))
  // Copy by copy: every service's first copy at once, then the second copies …, so a small machine is not asked to start them all together.
  const started = yield* Effect.forEach(
    Array.from({ length: waves }, (_, i) => planned.flatMap((copies) => copies.filter((c) => c.copy === i + 1))),
    (wave) => Effect.forEach(wave, (p) =>
      startServiceProcess({
        name: p.name,
        ...(many ? { label: `${p.name}#${p.copy}` } : {}),
        port: p.port,
        env: { ...env, ...p.env, ...natsUserEnv(natsUserOf[p.name], options.natsAccess) },
        restartOnCrash: options.restartOnCrash === true,
        ...(options.onLine ? { onLine: options.onLine } : {})
      }).pipe(
        Effect.map((process) => ({ ...p, process }))
      ), { concurrency: "unbounded" })
  ).pipe(Effect.map((waves) => waves.flat()))
  const copies: Partial<Record<ServiceName, ReadonlyArray<ServiceProcess>>> = {}
  const first: Partial<Record<ServiceName, ServiceProcess>> = {}
  for (const name of order.filter((n) => names.includes(n))) {
    const list = started.filter((s) => s.name === name).sort((a, b) => a.copy - b.copy).map((s) => s.process)
    copies[name] = list
    first[name] = list[0]!
  }
  // Only the services asked for are there (as before: `services` narrows the system).
  return { ...first, ports, copies } as RunningSystem
})
