import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { homedir } from "node:os"
import { delimiter, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { connect } from "@nats-io/transport-node"
import { Clock, Effect, Schedule, Scope } from "effect"
import { authenticatorOf } from "./credentials.ts"
import { errorMessage, NatsUnavailable } from "./errors.ts"
import { ensureLocalNatsSecurity, LocalNode, type LocalNatsSecurity, type LocalUser, type NatsClientAccess, TestUser } from "./local-security.ts"
import { inboxPrefixOf } from "./users.ts"
import { natsServerConf } from "./server-config.ts"

/** A NATS server this process started (or found running for the same data directory). */
export interface EmbeddedNats {
  readonly url: string
  /** "process": a nats-server child; "container": testcontainers; "external": NATS_URL or a server already running. */
  readonly kind: "process" | "container" | "external"
  /** Stops it now (also done when the scope closes); a no-op for servers this process did not start. */
  readonly stop: Effect.Effect<void>
  /**
   * How each user connects to it (its nkey seed file, the CA when TLS is on, its inbox prefix);
   * undefined for a NATS given by `NATS_URL`, whose credentials are the operator's (environment).
   */
  readonly access: ((user: LocalUser) => NatsClientAccess) | undefined
  /** Whether clients must speak TLS to it. */
  readonly tls: boolean
}

export interface EmbeddedNatsOptions {
  /** The server keeps its files under `<dataDir>/nats`. */
  readonly dataDir: string
  /** Client port; default a free one. */
  readonly port?: number
  /** How long to wait for the server to accept connections; default 60 s (a large store takes a while to recover). */
  readonly readyTimeoutMs?: number
  /**
   * TLS between clients and the server, with a local CA made on first start; default
   * `WT_NATS_TLS=on`, else off: a single node on loopback has no wire to protect, and TLS
   * costs every connection a handshake and every message its encryption.
   */
  readonly tls?: boolean
  /** Also a user with every right (`test`), for tests that drive NATS from all sides; never for an installation. */
  readonly testUser?: boolean
}

/** `WT_NATS_TLS=on` (or true/1): TLS for the embedded server. */
export const embeddedTlsFromEnv = (): boolean => /^(on|true|1|yes)$/i.test(process.env["WT_NATS_TLS"] ?? "")

/** Where the embedded server's secrets live: users' seeds, the authorization file and TLS files. */
export const secretsDirOf = (dataDir: string) => join(dataDir, "nats", "secrets")

const howToGetNats = [
  "No NATS server is available. Do one of:",
  "  - install nats-server: `apt-get install nats-server`, or download it from https://github.com/nats-io/nats-server/releases and put it on PATH;",
  "  - set NATS_URL to a running server with JetStream (e.g. NATS_URL=nats://127.0.0.1:4222);",
  "  - start Docker, so a nats:2.10-alpine container can be run."
].join("\n")

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Where deploy/nats/fetch-cluster-server.sh puts its nats-server in this checkout. */
export const fetchedNatsServer = fileURLToPath(new URL("../../../.wt/nats-server/nats-server", import.meta.url))

/**
 * The nats-server binary for a local cluster: `NATS_CLUSTER_SERVER_BIN`, then {@link findNatsServer}
 * (which prefers the one deploy/nats/fetch-cluster-server.sh fetched). A cluster wants 2.10 or
 * later ({@link MinClusterServer}).
 */
export const findClusterNatsServer = (): string | undefined => {
  const explicit = process.env["NATS_CLUSTER_SERVER_BIN"]
  if (explicit !== undefined && explicit !== "" && isExecutable(explicit)) return explicit
  return findNatsServer()
}

/**
 * The oldest nats-server a local cluster is started on without a warning. Debian 12's 2.9.10,
 * clustered and under a frozen node, stored an incident version twice at consecutive sequences
 * and lost an audit seal it had acknowledged (docs/nats-cluster-server.md).
 */
export const MinClusterServer = { major: 2, minor: 10 } as const

/** What `nats-server --version` says, as numbers; undefined when it cannot be run or read. */
export const natsServerVersion = (binary: string): { readonly major: number; readonly minor: number; readonly patch: number; readonly text: string } | undefined => {
  try {
    const text = execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 5_000 }).trim()
    const m = /v(\d+)\.(\d+)\.(\d+)/.exec(text)
    return m === null ? undefined : { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text }
  } catch {
    return undefined
  }
}

/** Whether `version` is older than {@link MinClusterServer}. */
export const olderThanClusterMinimum = (version: { readonly major: number; readonly minor: number }): boolean =>
  version.major < MinClusterServer.major || (version.major === MinClusterServer.major && version.minor < MinClusterServer.minor)

/**
 * The nats-server binary a single node runs on: `NATS_SERVER_BIN`, then the one
 * deploy/nats/fetch-cluster-server.sh fetched into this checkout (2.15.1: in alternating full
 * benchmarks it spent a fifth less CPU per event than Debian 12's 2.9.10, decision 33), then PATH,
 * then where Debian puts it. Only features of 2.9 are used, so any of them serves.
 */
export const findNatsServer = (): string | undefined => {
  const explicit = process.env["NATS_SERVER_BIN"]
  if (explicit !== undefined && explicit !== "" && isExecutable(explicit)) return explicit
  if (isExecutable(fetchedNatsServer)) return fetchedNatsServer
  const dirs = (process.env["PATH"] ?? "").split(delimiter).filter((d) => d !== "")
  for (const dir of [...dirs, "/usr/sbin", "/usr/local/sbin", "/usr/local/bin"]) {
    const candidate = join(dir, "nats-server")
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

/** Whether a listener can take `port` on loopback now (0: any port; answers the port taken). */
const tryListen = (port: number) =>
  Effect.callback<number | undefined>((resume) => {
    const server = createServer()
    server.unref()
    server.once("error", () => resume(Effect.succeed(undefined)))
    server.listen(port, "127.0.0.1", () => {
      const address = server.address()
      const taken = typeof address === "object" && address !== null ? address.port : undefined
      server.close(() => resume(Effect.succeed(taken)))
    })
  })

/**
 * Test workers run in parallel, each starting whole systems whose ports are chosen first and bound
 * seconds later: two workers given the same just-released ephemeral port collided (CI: a receivers
 * copy found another system's projector on its port). Inside a vitest worker each pool slot takes
 * its ports from a range of its own below the ephemeral range (which outgoing connections also use),
 * in turn from a random start; elsewhere the kernel chooses.
 */
const SlotPorts = 1000
const slot = Number(process.env["VITEST_POOL_ID"] ?? "")

/** The ports of vitest pool slot `slot` (1–12), first to last; undefined for anything else. */
export const portSlotRange = (slot: number): { readonly first: number; readonly last: number } | undefined =>
  Number.isInteger(slot) && slot >= 1 && slot <= 12
    ? { first: 20_000 + (slot - 1) * SlotPorts, last: 20_000 + slot * SlotPorts - 1 }
    : undefined
/**
 * Processes a worker starts (`pnpm start` under test) inherit its VITEST_POOL_ID: choosing from the
 * worker's range they took ports the worker had chosen for them but not yet bound (CI: the started
 * nats-server on the receivers' port, EADDRINUSE). The worker marks the range as its own; a
 * descendant sees another pid there and lets the kernel choose.
 */
const SlotOwner = "WT_PORT_SLOT_OWNER"
const slotRange = (() => {
  const range = portSlotRange(slot)
  if (range === undefined) return undefined
  const owner = process.env[SlotOwner]
  if (owner === undefined) process.env[SlotOwner] = String(process.pid)
  else if (owner !== String(process.pid)) return undefined
  return range
})()
let cursor = Math.floor(Math.random() * SlotPorts)

/**
 * A port from `choose` (the kernel's choice) not handed out by this chooser lately. A chosen port
 * is released at once and bound seconds later, so the kernel may choose it again meanwhile: a
 * benchmark's system got one port for both its projector and its dispatch, and dispatch found the
 * projector on it. 0 when `choose` offers nothing new.
 */
export const distinctPorts = (choose: Effect.Effect<number | undefined>, remembered = 1024): Effect.Effect<number> => {
  const handedOut = new Set<number>()
  return Effect.gen(function*() {
    for (let tries = 0; tries < 50; tries++) {
      const port = yield* choose
      if (port === undefined || handedOut.has(port)) continue
      handedOut.add(port)
      // A Set iterates in insertion order: the first is the oldest.
      if (handedOut.size > remembered) handedOut.delete(handedOut.values().next().value!)
      return port
    }
    return 0
  })
}

const kernelPort = distinctPorts(tryListen(0))

/** A port nothing listens on right now, and not handed out by this process before (as far as it remembers). */
export const freePort: Effect.Effect<number> = slotRange === undefined
  ? kernelPort
  : Effect.gen(function*() {
    for (let tries = 0; tries < SlotPorts; tries++) {
      const port = slotRange.first + (cursor++ % SlotPorts)
      const taken = yield* tryListen(port)
      if (taken !== undefined) return taken
    }
    return yield* kernelPort
  })

/** Whether the server at `url` accepts this user now. */
const canConnect = (url: string, access: NatsClientAccess | undefined) =>
  Effect.tryPromise(async () => {
    const authenticator = access === undefined ? undefined : authenticatorOf(access.auth)
    const nc = await connect({
      servers: url,
      reconnect: false,
      timeout: 1_000,
      ...(authenticator === undefined ? {} : { authenticator }),
      ...(access?.tls === undefined ? {} : { tls: { caFile: access.tls.caFile } })
    })
    await nc.close()
  }).pipe(
    Effect.as(true),
    Effect.catch(() => Effect.succeed(false))
  )

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Effect.void
    : Effect.callback<void>((resume) => {
      child.once("exit", () => resume(Effect.void))
    })

const terminate = (child: ChildProcess) =>
  Effect.suspend(() => {
    if (child.exitCode !== null || child.signalCode !== null) return Effect.void
    // SIGTERM lets JetStream flush and close its files.
    child.kill("SIGTERM")
    return exited(child).pipe(
      Effect.timeoutOrElse({
        duration: "10 seconds",
        orElse: () => Effect.sync(() => child.kill("SIGKILL")).pipe(Effect.andThen(exited(child)))
      })
    )
  })

interface ServerRecord {
  readonly url: string
  readonly pid: number
  readonly tls: boolean
}

const recordPath = (dataDir: string) => join(dataDir, "nats", "server.json")

const readRecord = (dataDir: string): ServerRecord | undefined => {
  try {
    const value: unknown = JSON.parse(readFileSync(recordPath(dataDir), "utf8"))
    if (typeof value === "object" && value !== null && "url" in value && "pid" in value) {
      const { url, pid } = value
      const tls = "tls" in value && value.tls === true
      if (typeof url === "string" && typeof pid === "number") return { url, pid, tls }
    }
  } catch {
    // no record, or unreadable: treat as none
  }
  return undefined
}

/** Whether a process with this pid exists (signal 0 only probes). */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The users' keys (made on first start), the authorization file and, with TLS, the CA and the node's certificate. */
const securityOf = (options: EmbeddedNatsOptions, tls: boolean): Effect.Effect<LocalNatsSecurity, NatsUnavailable> =>
  Effect.try({
    try: () => ensureLocalNatsSecurity({ dir: secretsDirOf(options.dataDir), tls, testUser: options.testUser === true }),
    catch: (cause) => new NatsUnavailable({ message: `cannot make the NATS secrets in ${secretsDirOf(options.dataDir)}: ${errorMessage(cause)}` })
  })

/** Spawns nats-server with the deploy configuration, its store under `<dataDir>/nats`. */
const startProcess = Effect.fnUntraced(function*(binary: string, options: EmbeddedNatsOptions) {
  const natsDir = join(options.dataDir, "nats")
  mkdirSync(natsDir, { recursive: true })
  const tls = options.tls ?? embeddedTlsFromEnv()
  const security = yield* securityOf(options, tls)
  const port = options.port ?? (yield* freePort)
  const host = "127.0.0.1"
  const url = `nats://${host}:${port}`
  const confPath = join(natsDir, "nats.conf")
  const node = security.tls?.nodes[LocalNode]
  // WT_NATS_PROF_PORT: the Go profiler on that port (pnpm bench --profile), for where the server's time goes.
  const profPort = process.env["WT_NATS_PROF_PORT"]
  // WT_NATS_MONITOR_PORT: the monitoring endpoints (/varz, /connz) on that port, for what each client sends and is sent (pnpm bench).
  const monitorPort = process.env["WT_NATS_MONITOR_PORT"]
  writeFileSync(
    confPath,
    natsServerConf(
      { serverName: `wt_embedded_${port}`, host, port, storeDir: natsDir },
      {
        // nats-server 2.9 resolves an include against the configuration's directory, even an absolute one.
        authorizationInclude: relative(natsDir, security.authorizationFile),
        ...(security.tls === undefined || node === undefined ? {} : { tls: { certFile: node.certFile, keyFile: node.keyFile, caFile: security.tls.caFile } })
      }
    ) +
      (profPort !== undefined && /^\d+$/.test(profPort) ? `\nprof_port: ${profPort}\n` : "") +
      (monitorPort !== undefined && /^\d+$/.test(monitorPort) ? `\nhttp: "127.0.0.1:${monitorPort}"\n` : "")
  )

  const logTail: Array<string> = []
  const child = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const c = spawn(binary, ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] })
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) {
          if (line.trim() === "") continue
          // A refused client is a security event (or a service missing a permission): say so where the operator looks.
          if (/Violation|Authorization Error|authentication error/i.test(line)) process.stderr.write(`nats-server | ${line}\n`)
          logTail.push(line)
          if (logTail.length > 40) logTail.shift()
        }
      }
      c.stdout?.on("data", keep)
      c.stderr?.on("data", keep)
      c.on("error", (error) => keep(Buffer.from(`spawn failed: ${error.message}`)))
      return c
    }),
    (c) =>
      terminate(c).pipe(
        Effect.andThen(Effect.sync(() => {
          const record = readRecord(options.dataDir)
          if (record?.pid === c.pid) rmSync(recordPath(options.dataDir), { force: true })
        }))
      )
  )

  const deadline = (yield* Clock.currentTimeMillis) + (options.readyTimeoutMs ?? 60_000)
  const running = () => child.exitCode === null && child.signalCode === null
  // Every 50 ms until it accepts a client, its process has exited or the deadline has passed.
  const accepted = yield* canConnect(url, security.access("provision")).pipe(
    Effect.repeat({
      schedule: Schedule.spaced("50 millis").pipe(Schedule.while(({ now }) => running() && now <= deadline)),
      until: (connected) => connected
    })
  )
  if (!accepted) {
    yield* terminate(child)
    return yield* new NatsUnavailable({
      message: `nats-server (${binary}) did not start on ${url}:\n${logTail.join("\n")}`
    })
  }
  if (child.pid !== undefined) writeFileSync(recordPath(options.dataDir), JSON.stringify({ url, pid: child.pid, tls }))
  return { url, kind: "process", stop: terminate(child), access: security.access, tls } satisfies EmbeddedNats
})

const dockerMayRun = () =>
  (process.env["DOCKER_HOST"] ?? "") !== "" ||
  existsSync("/var/run/docker.sock") ||
  existsSync(join(homedir(), ".docker", "run", "docker.sock"))

const startContainer = Effect.fnUntraced(function*(options: EmbeddedNatsOptions) {
  const natsDir = join(options.dataDir, "nats")
  mkdirSync(natsDir, { recursive: true })
  const tls = options.tls ?? embeddedTlsFromEnv()
  const security = yield* securityOf(options, tls)
  const node = security.tls?.nodes[LocalNode]
  // The same configuration as a nats-server process, with the paths it has inside the container.
  const inContainer = (path: string) => `/data/${relative(natsDir, path)}`
  writeFileSync(
    join(natsDir, "container.conf"),
    natsServerConf({ serverName: "wt_embedded_container", host: "0.0.0.0", port: 4222, storeDir: "/data" }, {
      authorizationInclude: relative(natsDir, security.authorizationFile),
      ...(security.tls === undefined || node === undefined
        ? {}
        : { tls: { certFile: inContainer(node.certFile), keyFile: inContainer(node.keyFile), caFile: inContainer(security.tls.caFile) } })
    })
  )
  const container = yield* Effect.acquireRelease(
    Effect.tryPromise(async () => {
      const { GenericContainer, Wait } = await import("testcontainers")
      return new GenericContainer("nats:2.10-alpine")
        .withCommand(["-c", "/data/container.conf"])
        .withExposedPorts(options.port === undefined ? 4222 : { container: 4222, host: options.port })
        .withBindMounts([{ source: natsDir, target: "/data" }])
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .withStartupTimeout(options.readyTimeoutMs ?? 60_000)
        .start()
    }),
    (c) => Effect.tryPromise(() => c.stop()).pipe(Effect.ignore)
  )
  const url = `nats://${container.getHost()}:${container.getMappedPort(4222)}`
  return {
    url,
    kind: "container",
    stop: Effect.tryPromise(() => container.stop()).pipe(Effect.ignore),
    access: security.access,
    tls
  } satisfies EmbeddedNats
})

/**
 * Starts a NATS server with JetStream for this scope: the nats-server {@link findNatsServer} finds,
 * else a testcontainers `nats:2.10-alpine` when Docker runs, else fails with how to get one.
 * The scope's end stops it (SIGTERM, then waits).
 */
export const startEmbeddedNats = Effect.fn("Nats.startEmbedded")(function*(
  options: EmbeddedNatsOptions
): Effect.fn.Return<EmbeddedNats, NatsUnavailable, Scope.Scope> {
  const binary = findNatsServer()
  if (binary !== undefined) return yield* startProcess(binary, options)
  if (dockerMayRun()) {
    const started = yield* Effect.result(startContainer(options))
    if (started._tag === "Success") return started.success
    return yield* new NatsUnavailable({
      message: `${howToGetNats}\n(nats-server is not installed; Docker failed: ${errorMessage(started.failure.cause)})`
    })
  }
  return yield* new NatsUnavailable({ message: howToGetNats })
})

/**
 * How `user` connects to the server `pnpm start` runs for this data directory: the user's seed
 * file there, and the CA when that server speaks TLS. Undefined when the directory holds no keys
 * (no server ever started there).
 */
export const localNatsAccess = (dataDir: string, user: LocalUser): NatsClientAccess | undefined => {
  const seedFile = join(secretsDirOf(dataDir), "users", `${user}.nk`)
  if (!existsSync(seedFile)) return undefined
  const caFile = join(secretsDirOf(dataDir), "tls", "ca.pem")
  return {
    auth: { _tag: "NkeyFile", file: seedFile },
    tls: readRecord(dataDir)?.tls === true ? { caFile } : undefined,
    inboxPrefix: user === TestUser ? undefined : inboxPrefixOf(user)
  }
}

const credentialVariables = ["NATS_CREDS", "NATS_NKEY_FILE", "NATS_NKEY_SEED", "NATS_USER"] as const

/**
 * What a tool connects with as `user`: nothing of its own when credentials are in the
 * environment (a connection then reads them), else the user's key in the data directory of the
 * system `pnpm start` runs there, if any. Spread into `Nats.layerWith` / `makeNats` options.
 */
export const natsAccessFor = (user: LocalUser, dataDir: string): Partial<NatsClientAccess> =>
  credentialVariables.some((name) => (process.env[name] ?? "").trim() !== "") ? {} : localNatsAccess(dataDir, user) ?? {}

/**
 * The NATS to use: `NATS_URL` when set; else a server already running for this data
 * directory (so `pnpm wt` finds the one `pnpm start` runs); else an embedded one for this scope.
 */
export const resolveNats = Effect.fn("Nats.resolve")(function*(
  options: EmbeddedNatsOptions
): Effect.fn.Return<EmbeddedNats, NatsUnavailable, Scope.Scope> {
  const fromEnv = process.env["NATS_URL"]
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, kind: "external", stop: Effect.void, access: undefined, tls: false }
  const record = readRecord(options.dataDir)
  if (record !== undefined && isProcessAlive(record.pid)) {
    // The running server's users are this data directory's: the keys are here.
    const security = yield* securityOf(options, record.tls)
    if (yield* canConnect(record.url, security.access("provision"))) {
      return { url: record.url, kind: "external", stop: Effect.void, access: security.access, tls: record.tls }
    }
  }
  return yield* startEmbeddedNats(options)
})
