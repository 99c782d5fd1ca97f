import { type ChildProcess, spawn } from "node:child_process"
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { homedir } from "node:os"
import { delimiter, join } from "node:path"
import { connect } from "@nats-io/transport-node"
import { Effect, Scope } from "effect"
import { errorMessage, NatsUnavailable } from "./errors.ts"
import { natsServerConf } from "./server-config.ts"

/** A NATS server this process started (or found running for the same data directory). */
export interface EmbeddedNats {
  readonly url: string
  /** "process": a nats-server child; "container": testcontainers; "external": NATS_URL or a server already running. */
  readonly kind: "process" | "container" | "external"
  /** Stops it now (also done when the scope closes); a no-op for servers this process did not start. */
  readonly stop: Effect.Effect<void>
}

export interface EmbeddedNatsOptions {
  /** The server keeps its files under `<dataDir>/nats`. */
  readonly dataDir: string
  /** Client port; default a free one. */
  readonly port?: number
  /** How long to wait for the server to accept connections; default 60 s (a large store takes a while to recover). */
  readonly readyTimeoutMs?: number
}

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

/** The nats-server binary: `NATS_SERVER_BIN`, then PATH, then where Debian puts it. */
export const findNatsServer = (): string | undefined => {
  const explicit = process.env["NATS_SERVER_BIN"]
  if (explicit !== undefined && explicit !== "" && isExecutable(explicit)) return explicit
  const dirs = (process.env["PATH"] ?? "").split(delimiter).filter((d) => d !== "")
  for (const dir of [...dirs, "/usr/sbin", "/usr/local/sbin", "/usr/local/bin"]) {
    const candidate = join(dir, "nats-server")
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

/** A port nothing listens on right now. */
export const freePort: Effect.Effect<number> = Effect.callback<number>((resume) => {
  const server = createServer()
  server.unref()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const canConnect = (url: string) =>
  Effect.tryPromise(async () => {
    const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 })
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
}

const recordPath = (dataDir: string) => join(dataDir, "nats", "server.json")

const readRecord = (dataDir: string): ServerRecord | undefined => {
  try {
    const value: unknown = JSON.parse(readFileSync(recordPath(dataDir), "utf8"))
    if (typeof value === "object" && value !== null && "url" in value && "pid" in value) {
      const { url, pid } = value
      if (typeof url === "string" && typeof pid === "number") return { url, pid }
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

/** Spawns nats-server with the deploy configuration, its store under `<dataDir>/nats`. */
const startProcess = Effect.fnUntraced(function*(binary: string, options: EmbeddedNatsOptions) {
  const natsDir = join(options.dataDir, "nats")
  mkdirSync(natsDir, { recursive: true })
  const port = options.port ?? (yield* freePort)
  const host = "127.0.0.1"
  const url = `nats://${host}:${port}`
  const confPath = join(natsDir, "nats.conf")
  // WT_NATS_PROF_PORT: the Go profiler on that port (pnpm bench --profile), for where the server's time goes.
  const profPort = process.env["WT_NATS_PROF_PORT"]
  writeFileSync(
    confPath,
    natsServerConf({ serverName: `wt_embedded_${port}`, host, port, storeDir: natsDir }) +
      (profPort !== undefined && /^\d+$/.test(profPort) ? `\nprof_port: ${profPort}\n` : "")
  )

  const logTail: Array<string> = []
  const child = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const c = spawn(binary, ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] })
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) {
          if (line.trim() === "") continue
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

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000)
  while (!(yield* canConnect(url))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      yield* terminate(child)
      return yield* new NatsUnavailable({
        message: `nats-server (${binary}) did not start on ${url}:\n${logTail.join("\n")}`
      })
    }
    yield* Effect.sleep("50 millis")
  }
  if (child.pid !== undefined) writeFileSync(recordPath(options.dataDir), JSON.stringify({ url, pid: child.pid }))
  return { url, kind: "process", stop: terminate(child) } satisfies EmbeddedNats
})

const dockerMayRun = () =>
  (process.env["DOCKER_HOST"] ?? "") !== "" ||
  existsSync("/var/run/docker.sock") ||
  existsSync(join(homedir(), ".docker", "run", "docker.sock"))

const startContainer = Effect.fnUntraced(function*(options: EmbeddedNatsOptions) {
  const natsDir = join(options.dataDir, "nats")
  mkdirSync(natsDir, { recursive: true })
  const container = yield* Effect.acquireRelease(
    Effect.tryPromise(async () => {
      const { GenericContainer, Wait } = await import("testcontainers")
      return new GenericContainer("nats:2.10-alpine")
        .withCommand(["-js", "-sd", "/data"])
        .withExposedPorts(options.port === undefined ? 4222 : { container: 4222, host: options.port })
        .withBindMounts([{ source: natsDir, target: "/data" }])
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .withStartupTimeout(options.readyTimeoutMs ?? 60_000)
        .start()
    }),
    (c) => Effect.tryPromise(() => c.stop()).pipe(Effect.ignore)
  )
  const url = `nats://${container.getHost()}:${container.getMappedPort(4222)}`
  return { url, kind: "container", stop: Effect.tryPromise(() => container.stop()).pipe(Effect.ignore) } satisfies EmbeddedNats
})

/**
 * Starts a NATS server with JetStream for this scope: nats-server from PATH (or /usr/sbin),
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
 * The NATS to use: `NATS_URL` when set; else a server already running for this data
 * directory (so `pnpm wt` finds the one `pnpm start` runs); else an embedded one for this scope.
 */
export const resolveNats = Effect.fn("Nats.resolve")(function*(
  options: EmbeddedNatsOptions
): Effect.fn.Return<EmbeddedNats, NatsUnavailable, Scope.Scope> {
  const fromEnv = process.env["NATS_URL"]
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, kind: "external", stop: Effect.void }
  const record = readRecord(options.dataDir)
  if (record !== undefined && isProcessAlive(record.pid) && (yield* canConnect(record.url))) {
    return { url: record.url, kind: "external", stop: Effect.void }
  }
  return yield* startEmbeddedNats(options)
})
