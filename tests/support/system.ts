import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { testDatabaseUrl } from "@wt/db/testing"
import { bootstrap, type LocalCluster, type RunningSystem, type ServiceName, ServiceNames, startLocalCluster, startSystem } from "@wt/launcher"
import { freePort, type LocalUser, makeNats, Nats, type NatsClientAccess, natsAuthEnv, startEmbeddedNats } from "@wt/nats"

export interface InstallationOptions {
  /** Names the temp directory and the generated secrets ("e2e", "bench"). */
  readonly label: string
  /** Extra environment for every service (e.g. short escalation limits). */
  readonly env?: Readonly<Record<string, string>>
  /** Residents the demo tenant is seeded with. */
  readonly residents?: number
  readonly heartbeatIntervalS?: number
  /** Database connections per service; default the launcher's. */
  readonly poolMax?: number
  readonly onLine: (service: string, line: string) => void
  /** Also the all-rights NATS user `test`, for a harness that makes streams of its own (the benchmark's baseline); the services never get it. */
  readonly testUser?: boolean
  /**
   * Three nats-server nodes on loopback (TLS between clients and nodes and between nodes, free
   * ports, stores under the temp directory) and every stream at three replicas, as
   * `pnpm start --cluster` runs; default one embedded node.
   */
  readonly cluster?: boolean
  /** Copies of each service (one number, or per service); default 2 on a cluster, else 1. */
  readonly copies?: number | Partial<Record<ServiceName, number>>
  /** The launcher starts a service again when it dies on its own (as pnpm start does); default off. */
  readonly restartOnCrash?: boolean
}

/** Where a receivers process listens for devices. */
export interface ProtocolPorts {
  readonly dc09: number
  readonly scaip: number
  readonly scaipSip: number
  readonly osmand: number
}

const freeProtocolPorts = Effect.gen(function*() {
  return { dc09: yield* freePort, scaip: yield* freePort, scaipSip: yield* freePort, osmand: yield* freePort } satisfies ProtocolPorts
})

const protocolEnv = (ports: ProtocolPorts) => ({
  WT_DC09_PORT: String(ports.dc09),
  WT_SCAIP_PORT: String(ports.scaip),
  WT_SCAIP_SIP_PORT: String(ports.scaipSip),
  WT_OSMAND_PORT: String(ports.osmand)
})

/**
 * One isolated installation, as `pnpm start` would run it: its own nats-server (temp store),
 * its own fresh database on the local PostgreSQL, the demo tenant seeded, every service a
 * real process. The scope's end stops it all and removes the data.
 */
export const startInstallation = Effect.fn("Tests.startInstallation")(function*(options: InstallationOptions) {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), `wt-${options.label}-`))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const cluster: LocalCluster | undefined = options.cluster === true
    ? yield* startLocalCluster({ dataDir, testUser: options.testUser === true, onLine: (node, line) => options.onLine(`nats ${node}`, line) })
    : undefined
  const nats = cluster === undefined ? yield* startEmbeddedNats({ dataDir, testUser: options.testUser === true }) : { url: cluster.url, access: cluster.access }
  const replicas = cluster === undefined ? 1 : 3
  const databaseUrl = yield* testDatabaseUrl
  const ingestKey = `${options.label}-key-${Math.random().toString(36).slice(2)}`
  const password = `${options.label}-pass-${Math.random().toString(36).slice(2)}`
  const dc09KeySecret = `${options.label}-dc09-${Math.random().toString(36).slice(2)}`
  // The shipped vendor mappings' HMAC secrets, as an operator would set them for the gateway.
  const webhookSecrets = {
    "demo-dispenser": `${options.label}-dispenser-${Math.random().toString(36).slice(2)}`,
    "demo-sensors": `${options.label}-sensors-${Math.random().toString(36).slice(2)}`
  }
  // The installation's NATS users, as under pnpm start: each service connects as its own.
  const natsAccess = nats.access!
  const seeded = yield* bootstrap({
    natsUrl: nats.url,
    natsAccess: natsAccess("provision"),
    replicas,
    databaseUrl,
    ingestKey: Redacted.make(ingestKey),
    password: Redacted.make(password),
    seed: true,
    dc09KeySecret: Redacted.make(dc09KeySecret),
    ...(options.residents !== undefined ? { residents: options.residents } : {}),
    ...(options.heartbeatIntervalS !== undefined ? { heartbeatIntervalS: options.heartbeatIntervalS } : {})
    // Seeded under the data directory the services run with: its installation key seals the key-safe codes.
  }).pipe(Effect.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_DATA_DIR: dataDir } }), { asPrimary: true })))
  const ports = Object.fromEntries(
    yield* Effect.forEach(ServiceNames, (n) => Effect.map(freePort, (p) => [n, p] as const))
  ) as Record<ServiceName, number>
  // Where devices connect: free ports too, as several installations may run on one machine.
  const protocolPorts = yield* freeProtocolPorts
  // A receivers copy beyond the first listens for devices on ports of its own.
  const receiverCopyPorts: Array<ProtocolPorts> = [protocolPorts]
  const services = yield* startSystem({
    natsUrl: nats.url,
    natsAccess,
    databaseUrl,
    ports,
    copies: options.copies ?? (cluster === undefined ? 1 : 2),
    copyEnv: (name) =>
      name !== "receivers" ? Effect.succeed({}) : Effect.map(freeProtocolPorts, (own) => {
        receiverCopyPorts.push(own)
        return protocolEnv(own)
      }),
    restartOnCrash: options.restartOnCrash === true,
    ...(options.poolMax !== undefined ? { poolMax: options.poolMax } : {}),
    env: {
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      WT_DATA_DIR: dataDir,
      NATS_STREAM_REPLICAS: String(replicas),
      ...protocolEnv(protocolPorts),
      WT_WEBHOOK_SECRET_DEMO_DISPENSER: webhookSecrets["demo-dispenser"],
      WT_WEBHOOK_SECRET_DEMO_SENSORS: webhookSecrets["demo-sensors"],
      ...options.env
    },
    onLine: options.onLine
  })
  return {
    natsUrl: nats.url,
    natsAccess,
    cluster,
    dataDir,
    natsEnv: (user: LocalUser) => {
      const access = natsAccess(user)
      return { NATS_URL: nats.url, ...natsAuthEnv(access.auth, access.tls, access.inboxPrefix) }
    },
    databaseUrl,
    ingestUrl: `http://127.0.0.1:${ports.gateway}`,
    consoleUrl: `http://127.0.0.1:${ports.console}`,
    /** Every gateway copy's and console copy's address, copy 1 first. */
    ingestUrls: services.copies.gateway.map((p) => p.url),
    consoleUrls: services.copies.console.map((p) => p.url),
    ingestKey,
    password,
    dc09KeySecret,
    webhookSecrets,
    protocolPorts,
    /** Each receivers copy's device ports, copy 1 first. */
    receiverCopyPorts: receiverCopyPorts as ReadonlyArray<ProtocolPorts>,
    services,
    // bootstrap with `seed: true` always seeds
    seeded: seeded!
  }
})

export interface SystemOptions {
  /** Extra environment for every service (e.g. short escalation limits). */
  readonly env?: Readonly<Record<string, string>>
  readonly residents?: number
  readonly heartbeatIntervalS?: number
  /** The three-node cluster with R3 streams (and two copies of each service unless `copies` says otherwise). */
  readonly cluster?: boolean
  readonly copies?: number | Partial<Record<ServiceName, number>>
  readonly restartOnCrash?: boolean
}

/**
 * The whole system for an end-to-end test file: its own nats-server, its own
 * PostgreSQL database, the demo tenant seeded, and every service as a real process.
 */
export class E2ESystem extends Context.Service<E2ESystem, {
  readonly natsUrl: string
  /** The three nodes, when the system runs on a cluster (`cluster: true`). */
  readonly cluster: LocalCluster | undefined
  readonly dataDir: string
  /** How each NATS user connects (the services' own, `cli`, `observer`, `provision`). */
  readonly natsAccess: (user: LocalUser) => NatsClientAccess
  /** `NATS_URL` and the credential variables of a user, for a process such as `pnpm wt` (user `cli`). */
  readonly natsEnv: (user: LocalUser) => Record<string, string>
  readonly databaseUrl: string
  readonly ingestUrl: string
  readonly consoleUrl: string
  /** Every gateway copy's and console copy's address, copy 1 first. */
  readonly ingestUrls: ReadonlyArray<string>
  readonly consoleUrls: ReadonlyArray<string>
  readonly ingestKey: string
  readonly password: string
  /** What the demo's DC-09 keys derive from (`demoDc09Key`). */
  readonly dc09KeySecret: string
  /** The vendors' webhook secrets the gateway checks signatures with. */
  readonly webhookSecrets: { readonly "demo-dispenser": string; readonly "demo-sensors": string }
  /** Where the receivers listen for devices. */
  readonly protocolPorts: ProtocolPorts
  /** Each receivers copy's device ports, copy 1 first. */
  readonly receiverCopyPorts: ReadonlyArray<ProtocolPorts>
  readonly services: RunningSystem
  /** Lines the services logged, for diagnosing a failure. */
  readonly logs: ReadonlyArray<string>
}>()("wt/tests/E2ESystem") {
  static readonly layer = Layer.suspend(() => E2ESystem.layerWith({}))

  /** The system with extra environment for every service (e.g. short escalation limits). */
  static readonly layerWith = (options: SystemOptions) => Layer.effect(
    E2ESystem,
    Effect.gen(function*() {
      const logs: Array<string> = []
      const { seeded: _, ...installation } = yield* startInstallation({
        ...options,
        label: "e2e",
        onLine: (service, line) => {
          logs.push(`${service} | ${line}`)
        }
      })
      return E2ESystem.of({ ...installation, logs })
    })
  )

  /** The system plus a NATS connection to it as `observer` (reads every stream, writes nothing), for checking what the streams hold. */
  static readonly layerWithNats = Layer.suspend(() => E2ESystem.layerWithNatsAnd({}))

  static readonly layerWithNatsAnd = (options: SystemOptions) =>
    Layer.unwrap(
      E2ESystem.useSync((s) => Nats.layerWith({ url: s.natsUrl, name: "e2e-observer", ...s.natsAccess("observer") }))
    ).pipe(Layer.provideMerge(E2ESystem.layerWith(options)))
}

/**
 * Runs `effect` on a connection of its own as `user`: e.g. as `provision`, the only user that
 * may delete or change a stream, where a test plays the attacker who holds its keys.
 */
export const asNatsUser = (user: LocalUser) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const nats = yield* makeNats({ url: sys.natsUrl, name: `e2e-${user}`, ...sys.natsAccess(user) })
      return yield* Effect.provideService(effect, Nats, nats)
    })
  )
