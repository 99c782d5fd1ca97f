import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { databaseLayer } from "@wt/db"
import { testDatabaseUrl } from "@wt/db/testing"
import { bootstrap, type RunningSystem, type ServiceName, ServiceNames, startSystem } from "@wt/launcher"
import { freePort, Nats, startEmbeddedNats } from "@wt/nats"
import { Registry } from "@wt/registry"

export interface BenchSystem {
  readonly natsUrl: string
  readonly ingestUrl: string
  readonly consoleUrl: string
  readonly ingestKey: string
  readonly password: string
  readonly services: RunningSystem
  readonly devices: number
  readonly residents: number
  /** The last lines each service logged, for when something goes wrong. */
  readonly logTail: () => ReadonlyArray<string>
}

export interface BenchSystemOptions {
  /** Residents the demo tenant is seeded with: the storm needs that many devices in the registry. */
  readonly residents: number
  readonly env: Readonly<Record<string, string>>
}

/**
 * One installation for the benchmark, as `pnpm start` would run it but isolated: its own
 * nats-server (temp store), its own fresh database on the local PostgreSQL, every service
 * a real process. The scope's end stops it all and removes the data.
 */
export const startBenchSystem = Effect.fn("Bench.startSystem")(function*(options: BenchSystemOptions) {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-bench-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const nats = yield* startEmbeddedNats({ dataDir })
  const databaseUrl = yield* testDatabaseUrl
  const ingestKey = `bench-key-${Math.random().toString(36).slice(2)}`
  const password = `bench-pass-${Math.random().toString(36).slice(2)}`
  yield* bootstrap({ natsUrl: nats.url, databaseUrl, ingestKey: Redacted.make(ingestKey), password: Redacted.make(password), seed: false })
  const seeded = yield* Effect.gen(function*() {
    const registry = yield* Registry
    return yield* registry.seedDemo({ ingestKey, password, residents: options.residents })
  }).pipe(
    Effect.provide(Registry.layer),
    Effect.provide(databaseLayer({ url: Redacted.make(databaseUrl), poolMax: 1, applicationName: "wt-bench-seed" }))
  )
  const ports = Object.fromEntries(
    yield* Effect.forEach(ServiceNames, (n) => Effect.map(freePort, (p) => [n, p] as const))
  ) as Record<ServiceName, number>
  const tail: Array<string> = []
  const services = yield* startSystem({
    natsUrl: nats.url,
    databaseUrl,
    ports,
    // The pool size pnpm start uses against a real PostgreSQL.
    poolMax: 4,
    env: { LOG_LEVEL: "warn", LOG_FORMAT: "json", ...options.env },
    onLine: (service, line) => {
      tail.push(`${service} | ${line.slice(0, 400)}`)
      if (tail.length > 200) tail.shift()
    }
  })
  return {
    natsUrl: nats.url,
    ingestUrl: `http://127.0.0.1:${ports.gateway}`,
    consoleUrl: `http://127.0.0.1:${ports.console}`,
    ingestKey,
    password,
    services,
    devices: seeded.devices,
    residents: seeded.residents,
    logTail: () => [...tail]
  } satisfies BenchSystem
})

/** The benchmark's own connection to the installation's NATS. */
export const benchNats = (system: BenchSystem) => Nats.layerWith({ url: system.natsUrl, name: "wt-bench" })
