import { createWriteStream } from "node:fs"
import { Effect } from "effect"
import type { RunningSystem } from "@wt/launcher"
import { type LocalUser, Nats, type NatsClientAccess } from "@wt/nats"
import { startInstallation } from "../support/system.ts"
import { benchIngestLimits } from "./ingest-limits.ts"

export interface BenchSystem {
  readonly natsUrl: string
  /** How each NATS user connects; the benchmark itself is `test` (it makes its own baseline stream). */
  readonly natsAccess: (user: LocalUser) => NatsClientAccess
  readonly ingestUrl: string
  readonly consoleUrl: string
  readonly ingestKey: string
  readonly password: string
  readonly services: RunningSystem
  readonly devices: number
  readonly residents: number
  /** The last lines the services logged, for when something goes wrong (all of them are in `logFile`). */
  readonly logTail: () => ReadonlyArray<string>
  readonly logFile: string
}

export interface BenchSystemOptions {
  /** Residents the demo tenant is seeded with: the storm needs that many devices in the registry. */
  readonly residents: number
  readonly env: Readonly<Record<string, string>>
  /** Where every line the services log is written. */
  readonly logFile: string
}

/**
 * One installation for the benchmark, as `pnpm start` would run it but isolated (see
 * `startInstallation`). The scope's end stops it all and removes the data.
 */
export const startBenchSystem = Effect.fn("Bench.startSystem")(function*(options: BenchSystemOptions) {
  const tail: Array<string> = []
  const log = yield* Effect.acquireRelease(
    Effect.sync(() => createWriteStream(options.logFile, { flags: "w" })),
    (stream) => Effect.sync(() => stream.end())
  )
  const installation = yield* startInstallation({
    label: "bench",
    testUser: true,
    residents: options.residents,
    // The pool size pnpm start uses against a real PostgreSQL.
    poolMax: 4,
    // One key for the whole fleet: its rate limit lifted, the devices' kept (see ingest-limits.ts).
    env: { ...benchIngestLimits, ...options.env },
    onLine: (service, line) => {
      log.write(`${service} | ${line}\n`)
      tail.push(`${service} | ${line.slice(0, 400)}`)
      if (tail.length > 200) tail.shift()
    }
  })
  return {
    natsUrl: installation.natsUrl,
    natsAccess: installation.natsAccess,
    ingestUrl: installation.ingestUrl,
    consoleUrl: installation.consoleUrl,
    ingestKey: installation.ingestKey,
    password: installation.password,
    services: installation.services,
    devices: installation.seeded.devices,
    residents: installation.seeded.residents,
    logTail: () => [...tail],
    logFile: options.logFile
  } satisfies BenchSystem
})

/** The benchmark's own connection to the installation's NATS, as `test`: it reads every stream and makes its baseline's. */
export const benchNats = (system: BenchSystem) => Nats.layerWith({ url: system.natsUrl, name: "wt-bench", ...system.natsAccess("test") })
