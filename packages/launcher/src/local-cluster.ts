import { type ChildProcess, spawn } from "node:child_process"
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join, relative } from "node:path"
import {
  ensureLocalNatsSecurity,
  findClusterNatsServer,
  freePort,
  isProcessAlive,
  type LocalNatsSecurity,
  type LocalUser,
  makeNats,
  type NatsClientAccess,
  natsClusterNodeConf,
  NatsUnavailable,
  natsServerVersion,
  olderThanClusterMinimum,
  secretsDirOf
} from "@wt/nats"
import { Clock, Duration, Effect, Schedule, Scope } from "effect"

/** One nats-server of a local cluster, which the fault suite may kill, freeze, starve of disk and start again. */
export interface LocalClusterNode {
  /** Its server name (`nats-1` …), as `cluster.leader` of a stream's info names it. */
  readonly name: string
  /** Where clients reach this node alone. */
  readonly clientUrl: string
  /** Its monitoring endpoint (`/healthz`, `/jsz`, `/varz`). */
  readonly monitorUrl: string
  readonly storeDir: string
  /** Where its output goes. */
  readonly logFile: string
  readonly pid: () => number | undefined
  readonly running: () => boolean
  /** Sends a signal and returns at once (SIGKILL a leader, SIGSTOP and SIGCONT a node). */
  readonly signal: (signal: NodeJS.Signals) => void
  /** SIGTERM (JetStream flushes and closes its files), SIGKILL after 10 s; waits for the exit. */
  readonly stop: Effect.Effect<void>
  /**
   * Starts it again with the same ports and store (after a stop or a kill), waiting until it
   * answers on its client port. `maxFileStore` (bytes) caps its JetStream file store for this run
   * of the process: the fault suite's full disk.
   */
  readonly start: (options?: { readonly maxFileStore?: number }) => Effect.Effect<void, NatsUnavailable>
  /** JetStream's figures of this node (`/jsz`): bytes stored, and whether JetStream is enabled on it. */
  readonly jetstream: Effect.Effect<{ readonly storeBytes: number; readonly enabled: boolean }, NatsUnavailable>
}

/** A JetStream cluster of nats-server processes on loopback, TLS between clients and nodes and between nodes. */
export interface LocalCluster {
  /** Every node's client URL, comma-separated (`NATS_URL`). */
  readonly url: string
  readonly nodes: ReadonlyArray<LocalClusterNode>
  /** How each NATS user connects (its seed file, the cluster's CA, its inbox prefix). */
  readonly access: (user: LocalUser) => NatsClientAccess
  readonly tls: true
  /** The node of a server name (`cluster.leader` of a stream's info). */
  readonly node: (name: string) => LocalClusterNode | undefined
  /** Waits until every running node is healthy and JetStream answers across the cluster. */
  readonly ready: Effect.Effect<void, NatsUnavailable>
  /** Stops every node, then starts them all again, and waits until the cluster is ready. */
  readonly restart: Effect.Effect<void, NatsUnavailable>
}

export interface LocalClusterOptions {
  /** Stores go under `<dataDir>/nats/cluster/<node>`, secrets under `<dataDir>/nats/secrets` (as the single node's). */
  readonly dataDir: string
  /** Nodes; default 3 (a quorum survives one lost). */
  readonly size?: number
  /** Also the all-rights NATS user `test` (test harnesses that make streams of their own). */
  readonly testUser?: boolean
  /** Lines a node logs that an operator must see (permission violations), prefixed by the node's name. */
  readonly onLine?: (node: string, line: string) => void
  /** How long the cluster may take to form; default 120 s (a large store takes a while to recover). */
  readonly readyTimeoutMs?: number
}

const nodeNames = (size: number) => Array.from({ length: size }, (_, i) => `nats-${i + 1}`)

interface NodePorts {
  readonly client: number
  readonly cluster: number
  readonly http: number
}

/** The ports a cluster of this data directory had, so `pnpm wt` and a restarted node keep their addresses. */
const portsFile = (dir: string) => join(dir, "ports.json")

const readPorts = (dir: string, names: ReadonlyArray<string>): Record<string, NodePorts> | undefined => {
  try {
    const value = JSON.parse(readFileSync(portsFile(dir), "utf8")) as Record<string, NodePorts>
    return names.every((n) => typeof value[n]?.client === "number" && typeof value[n]?.cluster === "number" && typeof value[n]?.http === "number")
      ? value
      : undefined
  } catch {
    return undefined
  }
}

const portFree = (port: number) =>
  Effect.callback<boolean>((resume) => {
    const server = createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

/** The recorded ports when all are free still, else new free ones. */
const choosePorts = Effect.fnUntraced(function*(dir: string, names: ReadonlyArray<string>) {
  const recorded = readPorts(dir, names)
  if (recorded !== undefined) {
    const all = names.flatMap((n) => [recorded[n]!.client, recorded[n]!.cluster, recorded[n]!.http])
    const free = yield* Effect.forEach(all, portFree)
    if (free.every((f) => f)) return recorded
  }
  const chosen: Record<string, NodePorts> = {}
  for (const name of names) chosen[name] = { client: yield* freePort, cluster: yield* freePort, http: yield* freePort }
  writeFileSync(portsFile(dir), JSON.stringify(chosen, null, 2) + "\n")
  return chosen
})

/** A live nats-server with this pid (not another process that got the pid of one long gone). */
const isNatsServer = (pid: number) => {
  if (!isProcessAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("nats-server")
  } catch {
    // No /proc (not Linux): alive is all we know.
    return true
  }
}

const DefaultMaxFileStore = "max_file_store: 20GB"

const isRunning = (child: ChildProcess | undefined) => child !== undefined && child.exitCode === null && child.signalCode === null

const exited = (child: ChildProcess) =>
  !isRunning(child)
    ? Effect.void
    : Effect.callback<void>((resume) => {
      child.once("exit", () => resume(Effect.void))
    })

const errorText = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/** The monitoring endpoint's answer, or undefined when the node does not answer. */
const monitor = (url: string) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
    return { status: response.status, body: await response.text() }
  }).pipe(Effect.catch(() => Effect.succeed(undefined)))

/**
 * Starts a JetStream cluster of `size` nats-server processes on loopback, each with its own
 * free ports and its store under the data directory, configured by `natsClusterNodeConf` (the
 * deploy cluster's configuration with local placement): TLS from clients and on the routes
 * (both ends verified against one local CA), the installation's users and permissions. The
 * secrets are the single node's (`ensureLocalNatsSecurity` with a certificate per node). The
 * scope's end stops every node.
 */
export const startLocalCluster = Effect.fn("Launcher.startLocalCluster")(function*(
  options: LocalClusterOptions
): Effect.fn.Return<LocalCluster, NatsUnavailable, Scope.Scope> {
  const binary = findClusterNatsServer()
  if (binary === undefined) {
    return yield* new NatsUnavailable({ message: "a local cluster needs nats-server 2.10 or later: deploy/nats/fetch-cluster-server.sh, or NATS_CLUSTER_SERVER_BIN" })
  }
  const version = natsServerVersion(binary)
  if (version !== undefined && olderThanClusterMinimum(version)) {
    yield* Effect.logWarning(
      `the cluster runs on ${binary} (${version.text}): under a frozen node, 2.9.10 stored writes twice and lost an acknowledged one ` +
        "(docs/nats-cluster-server.md); run deploy/nats/fetch-cluster-server.sh for 2.15.1, or set NATS_CLUSTER_SERVER_BIN"
    )
  }
  const names = nodeNames(options.size ?? 3)
  const dir = join(options.dataDir, "nats", "cluster")
  mkdirSync(dir, { recursive: true })
  const security: LocalNatsSecurity = yield* Effect.try({
    try: () =>
      ensureLocalNatsSecurity({
        dir: secretsDirOf(options.dataDir),
        tls: true,
        nodes: names.map((name) => ({ name, hosts: ["127.0.0.1", "localhost"] })),
        testUser: options.testUser === true
      }),
    catch: (cause) => new NatsUnavailable({ message: `cannot make the cluster's secrets in ${secretsDirOf(options.dataDir)}: ${errorText(cause)}` })
  })
  const tls = security.tls!
  // Two clusters on one store would corrupt it: refuse while this directory's nodes still run.
  const pidsFile = join(dir, "pids.json")
  const runningPids = (() => {
    try {
      return (JSON.parse(readFileSync(pidsFile, "utf8")) as ReadonlyArray<number>).filter((pid) => typeof pid === "number" && isNatsServer(pid))
    } catch {
      return []
    }
  })()
  if (runningPids.length > 0) {
    return yield* new NatsUnavailable({ message: `a cluster already runs on ${dir} (nats-server pids ${runningPids.join(", ")}): stop it first, or use another WT_DATA_DIR` })
  }
  const ports = yield* choosePorts(dir, names)
  const url = names.map((n) => `nats://127.0.0.1:${ports[n]!.client}`).join(",")
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000

  const confOf = (name: string, maxFileStore: number | undefined) => {
    const files = tls.nodes[name]!
    const conf = natsClusterNodeConf({
      serverName: name,
      host: "127.0.0.1",
      port: ports[name]!.client,
      httpPort: ports[name]!.http,
      storeDir: join(dir, name),
      clusterName: "wt-local",
      clusterHost: "127.0.0.1",
      clusterPort: ports[name]!.cluster,
      routes: names.map((n) => `nats-route://127.0.0.1:${ports[n]!.cluster}`)
    }, {
      // nats-server 2.9 resolves an include against the configuration's directory, even an absolute one.
      authorizationInclude: relative(dir, security.authorizationFile),
      tls: { certFile: files.certFile, keyFile: files.keyFile, caFile: tls.caFile }
    })
    if (maxFileStore === undefined) return conf
    if (!conf.includes(DefaultMaxFileStore)) throw new Error(`natsClusterNodeConf no longer says "${DefaultMaxFileStore}": the disk limit cannot be set`)
    return conf.replace(DefaultMaxFileStore, `max_file_store: ${Math.max(1, Math.round(maxFileStore))}`)
  }

  const provisionAccess = security.access("provision")

  // The pids file follows every (re)start of a node.
  let onSpawn = () => {}
  const makeNode = (name: string): LocalClusterNode & { readonly spawnNode: (maxFileStore?: number) => Effect.Effect<void, NatsUnavailable> } => {
    let child: ChildProcess | undefined
    const clientUrl = `nats://127.0.0.1:${ports[name]!.client}`
    const monitorUrl = `http://127.0.0.1:${ports[name]!.http}`
    const storeDir = join(dir, name)
    const logFile = join(dir, `${name}.log`)
    const confFile = join(dir, `${name}.conf`)

    const stop = Effect.suspend(() => {
      const c = child
      if (c === undefined || !isRunning(c)) return Effect.void
      // A frozen node must be thawed to hear the SIGTERM.
      c.kill("SIGCONT")
      c.kill("SIGTERM")
      return exited(c).pipe(
        Effect.timeoutOrElse({
          duration: "10 seconds",
          orElse: () => Effect.sync(() => c.kill("SIGKILL")).pipe(Effect.andThen(exited(c)))
        })
      )
    })

    // Up when it accepts the provisioning user (JetStream may still be catching up: see `ready`).
    const accepting = Effect.gen(function*() {
      const deadline = (yield* Clock.currentTimeMillis) + readyTimeoutMs
      // Every 100 ms until it answers 200, its process has died or the deadline has passed.
      const last = yield* monitor(`${monitorUrl}/varz`).pipe(
        Effect.repeat({
          schedule: Schedule.spaced("100 millis").pipe(Schedule.while(({ now }) => isRunning(child) && now <= deadline)),
          until: (answer) => answer?.status === 200
        })
      )
      if (last?.status === 200) return
      const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : ""
      return yield* new NatsUnavailable({ message: `nats-server ${name} did not start on ${clientUrl}:\n${tail}` })
    })

    const spawnNode = Effect.fn("Launcher.spawnNode")(function*(maxFileStore?: number) {
      if (isRunning(child)) return
      mkdirSync(storeDir, { recursive: true })
      yield* Effect.try({
        try: () => writeFileSync(confFile, confOf(name, maxFileStore)),
        catch: (cause) => new NatsUnavailable({ message: errorText(cause) })
      })
      const log = createWriteStream(logFile, { flags: "a" })
      // A process group of its own: a terminal's Ctrl-C reaches the launcher and the services,
      // not the nodes, which the launcher stops once the services have finished their last writes.
      const c = spawn(binary, ["-c", confFile], { stdio: ["ignore", "pipe", "pipe"], detached: true })
      const keep = (chunk: Buffer) => {
        if (!log.writableEnded) log.write(chunk)
        if (options.onLine === undefined) return
        for (const line of chunk.toString("utf8").split("\n")) {
          // A refused client is a security event (or a service missing a permission): say so where the operator looks.
          if (/Violation|Authorization Error|authentication error/i.test(line)) options.onLine(name, line)
        }
      }
      c.stdout?.on("data", keep)
      c.stderr?.on("data", keep)
      c.on("error", (error) => {
        if (!log.writableEnded) log.write(`spawn failed: ${error.message}\n`)
      })
      // "close", not "exit": a node's last lines can still be in its pipes when it has exited, and
      // written after the end they were an uncaught error in the test run.
      c.once("close", () => log.end())
      child = c
      onSpawn()
      yield* accepting
    })

    const jetstream = Effect.gen(function*() {
      const answer = yield* monitor(`${monitorUrl}/jsz`)
      if (answer?.status !== 200) return yield* new NatsUnavailable({ message: `${name} does not answer /jsz` })
      const jsz = JSON.parse(answer.body) as { disabled?: boolean; storage?: number; config?: unknown }
      return { storeBytes: jsz.storage ?? 0, enabled: jsz.disabled !== true && jsz.config !== undefined }
    })

    return {
      name,
      clientUrl,
      monitorUrl,
      storeDir,
      logFile,
      pid: () => child?.pid,
      running: () => isRunning(child),
      signal: (signal) => {
        if (isRunning(child)) child!.kill(signal)
      },
      stop,
      start: (startOptions) => spawnNode(startOptions?.maxFileStore),
      spawnNode,
      jetstream
    }
  }

  const nodes = names.map(makeNode)

  // Healthy: each running node's /healthz (JetStream in contact with the meta leader, its streams current),
  // and the account's JetStream info answered through the cluster.
  const ready = Effect.gen(function*() {
    const deadline = (yield* Clock.currentTimeMillis) + readyTimeoutMs
    // What the last try found wanting, for the error past the deadline.
    let last = ""
    const healthy = Effect.gen(function*() {
      const health = yield* Effect.forEach(nodes.filter((n) => n.running()), (n) =>
        Effect.map(monitor(`${n.monitorUrl}/healthz`), (a) => ({ name: n.name, ok: a?.status === 200, body: a?.body ?? "no answer" })))
      const unhealthy = health.filter((h) => !h.ok)
      if (unhealthy.length > 0) {
        last = unhealthy.map((h) => `${h.name}: ${h.body.trim()}`).join("; ")
        return false
      }
      return yield* Effect.scoped(Effect.gen(function*() {
        const nats = yield* makeNats({ url, name: "wt-cluster-ready", ...provisionAccess, connectTimeoutMs: 2_000 })
        yield* nats.accountInfo
      })).pipe(Effect.as(true), Effect.catch((e) => Effect.sync(() => { last = errorText(e); return false })))
    })
    // Every 250 ms while the next try would start before the deadline (the schedule decides before its pause).
    const isReady = yield* healthy.pipe(
      Effect.repeat({
        schedule: Schedule.spaced("250 millis").pipe(Schedule.while(({ now }) => now + 250 < deadline)),
        until: (ok) => ok
      })
    )
    if (isReady) return
    return yield* new NatsUnavailable({ message: `the local NATS cluster did not become ready within ${Duration.format(Duration.millis(readyTimeoutMs))}: ${last}` })
  })

  const recordPids = () => writeFileSync(pidsFile, JSON.stringify(nodes.flatMap((n) => n.pid() ?? [])))
  yield* Effect.addFinalizer(() =>
    Effect.forEach(nodes, (n) => n.stop, { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.sync(() => rmSync(pidsFile, { force: true }))))
  )
  yield* Effect.forEach(nodes, (n) => n.spawnNode(), { concurrency: "unbounded", discard: true })
  recordPids()
  onSpawn = recordPids
  yield* ready

  return {
    url,
    nodes,
    access: security.access,
    tls: true,
    node: (name) => nodes.find((n) => n.name === name),
    ready,
    restart: Effect.gen(function*() {
      yield* Effect.forEach(nodes, (n) => n.stop, { concurrency: "unbounded", discard: true })
      yield* Effect.forEach(nodes, (n) => n.spawnNode(), { concurrency: "unbounded", discard: true })
      yield* ready
    })
  } satisfies LocalCluster
})
