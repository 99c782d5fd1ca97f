// `pnpm start`: the whole system on one machine, on embedded defaults.
// NATS: NATS_URL, else a nats-server from PATH with its store under WT_DATA_DIR, else a
// container (testcontainers), else a message saying how to get one. PostgreSQL:
// DATABASE_URL, else embedded PGlite served on a local port. Ctrl-C stops all of it.
// `pnpm start --cluster`: three nats-server nodes on loopback (TLS, stores under WT_DATA_DIR),
// every stream at three replicas, two copies of each service (`--copies N` for another number).
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Option, Redacted, Runtime, Schema } from "effect"
import { resolveDatabase } from "@wt/db"
import {
  bootstrap,
  defaultPorts,
  FixedPortServices,
  natsUserEnv,
  portVariable,
  type RunningSystem,
  type ServiceName,
  ServiceNames,
  startLocalCluster,
  startSystem
} from "@wt/launcher"
import { type EmbeddedNats, freePort, NatsUnavailable, resolveNats, secretsDirOf } from "@wt/nats"
import { LoggerLive } from "@wt/observability"
import { stoppedBySignalIsSuccess } from "@wt/service-runtime"
import {
  demoDc09KeySecret,
  demoResponderTokens,
  demoSecrets,
  DemoUsers,
  DemoWebhookVendors,
  demoWebhookSecrets,
  NeighbourUsers,
  saveDemoResponderTokens
} from "@wt/registry/demo"
import { webhookSecretVariable } from "@wt/webhooks"
import { receiverLines, receiverPorts } from "./receiver-ports.ts"
import { runDemoDevices } from "./demo-devices.ts"
import { localHttpSettings } from "./http-settings.ts"
import { runDemoResponders } from "./demo-responders.ts"

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { cluster: { type: "boolean", default: false }, copies: { type: "string" } },
  strict: true
})

/** Copies of each service: `--copies N`, else 2 on a cluster and 1 on one node. */
const copies = flags.copies === undefined ? (flags.cluster ? 2 : 1) : Number(flags.copies)
if (!Number.isInteger(copies) || copies < 1 || copies > 5) {
  process.stderr.write(`pnpm start: --copies takes a number from 1 to 5, not ${flags.copies}\n`)
  process.exit(2)
}

/** A service could not start: said in one paragraph on stderr (not a stack trace), exit code 1. */
class StartFailed extends Schema.TaggedError<StartFailed>()("StartFailed", { message: Schema.String }) {
  override readonly [Runtime.errorReported] = false
}

/** The banner's lines for the copies of each service: where each one's health, metrics (and API) answer. */
const copyLines = (system: RunningSystem): ReadonlyArray<string> => [
  ` Copies          ${ServiceNames.map((n) => system.copies[n].length).every((c) => c === system.copies.gateway.length) ? `${system.copies.gateway.length} of each service` : "per service"}; each its own port (/healthz, /readyz, /metrics):`,
  ...ServiceNames.map((name) => `   ${name.padEnd(13)} ${system.copies[name].map((p) => p.url.replace("127.0.0.1", "localhost")).join("   ")}`)
]

const program = Effect.gen(function*() {
  const dataDir = resolve(yield* Config.String("WT_DATA_DIR").pipe(Config.withDefault(".data")))
  mkdirSync(dataDir, { recursive: true })
  // The console's, ingest's and the responder API's ports are known ones; any other service's
  // is a free one unless set (startSystem picks it), so a second system here does not collide on them.
  const ports: Partial<Record<ServiceName, number>> = {}
  for (const name of ServiceNames) {
    const port = yield* Config.option(Config.Port(portVariable[name]))
    if (Option.isSome(port)) ports[name] = port.value
    else if (FixedPortServices.has(name)) ports[name] = defaultPorts[name]
  }
  const httpPort = ports.console!
  const ingestPort = ports.gateway!
  const dispatchPort = ports.dispatch!

  const cluster = flags.cluster
    ? yield* Effect.gen(function*() {
      if ((process.env["NATS_URL"] ?? "") !== "") {
        return yield* new NatsUnavailable({ message: "pnpm start --cluster starts its own three nodes: unset NATS_URL (or run without --cluster against your NATS)" })
      }
      return yield* startLocalCluster({ dataDir, onLine: (node, line) => process.stderr.write(`${node.padEnd(9)} | ${line}\n`) })
    })
    : undefined
  const nats: EmbeddedNats = cluster === undefined
    ? yield* resolveNats({ dataDir })
    : { url: cluster.url, kind: "process", stop: Effect.void, access: cluster.access, tls: true }
  const replicas = cluster === undefined ? undefined : 3
  if (cluster !== undefined) {
    // As the single node's record does: `pnpm wt` reads it to know the cluster speaks TLS (its CA is in the secrets).
    const record = join(dataDir, "nats", "server.json")
    yield* Effect.acquireRelease(
      Effect.sync(() => writeFileSync(record, JSON.stringify({ url: cluster.url, pid: cluster.nodes[0]!.pid() ?? process.pid, tls: true }))),
      () => Effect.sync(() => rmSync(record, { force: true }))
    )
  }
  const database = yield* resolveDatabase({ dataDir })
  const databaseUrl = Redacted.value(database.url)
  const secrets = yield* demoSecrets({ dataDir })
  // The demo's responder phones exist only while its simulated responders run: random tokens, issued
  // on the first such start and kept in the data directory; with WT_DEMO_RESPONDERS=0 they are removed.
  const demoResponders = (yield* Config.String("WT_DEMO_RESPONDERS").pipe(Config.withDefault("1"))) !== "0"
  const seeded = yield* bootstrap({
    natsUrl: nats.url,
    ...(nats.access === undefined ? {} : { natsAccess: nats.access("provision") }),
    ...(replicas === undefined ? {} : { replicas }),
    databaseUrl,
    ingestKey: secrets.ingestKey,
    password: secrets.password,
    seed: true,
    responders: demoResponders ? { tokens: yield* demoResponderTokens({ dataDir }) } : "off",
    dc09KeySecret: yield* demoDc09KeySecret({ dataDir })
  })
  // The demo's vendor platforms sign with generated secrets, unless the operator set the vendor's own.
  const vendorSecrets = yield* demoWebhookSecrets({ dataDir, vendors: Object.values(DemoWebhookVendors) })
  const webhookEnv = Object.fromEntries(
    Object.entries(vendorSecrets).map(([vendor, secret]) => [webhookSecretVariable(vendor), process.env[webhookSecretVariable(vendor)] ?? secret])
  )
  const protocolPorts = yield* receiverPorts
  if (seeded?.responderTokens !== undefined) yield* saveDemoResponderTokens({ dataDir, tokens: seeded.responderTokens })

  // Lets `pnpm wt` find this running system through the same WT_DATA_DIR.
  const runtimeFile = join(dataDir, "runtime.json")
  yield* Effect.acquireRelease(
    Effect.sync(() => writeFileSync(runtimeFile, JSON.stringify({ natsUrl: nats.url, databaseUrl, pid: process.pid }) + "\n", { mode: 0o600 })),
    () => Effect.sync(() => rmSync(runtimeFile, { force: true }))
  )

  const http = yield* localHttpSettings
  // A receivers copy beyond the first listens for devices on free ports of its own.
  const receiverCopyPorts: Array<{ readonly dc09: number; readonly scaip: number; readonly scaipSip: number; readonly osmand: number }> = []
  const system = yield* startSystem({
    natsUrl: nats.url,
    natsAccess: nats.access,
    databaseUrl,
    ports,
    poolMax: Option.isSome(database.embedded) ? 1 : 4,
    restartOnCrash: true,
    copies,
    copyEnv: (name) =>
      name !== "receivers" ? Effect.succeed({}) : Effect.gen(function*() {
        const own = { dc09: yield* freePort, scaip: yield* freePort, scaipSip: yield* freePort, osmand: yield* freePort }
        receiverCopyPorts.push(own)
        return { WT_DC09_PORT: String(own.dc09), WT_SCAIP_PORT: String(own.scaip), WT_SCAIP_SIP_PORT: String(own.scaipSip), WT_OSMAND_PORT: String(own.osmand) }
      }),
    env: {
      ...(replicas === undefined ? {} : { NATS_STREAM_REPLICAS: String(replicas) }),
      ...webhookEnv,
      ...(process.stdout.isTTY && process.env["LOG_FORMAT"] === undefined ? { LOG_FORMAT: "pretty" } : {}),
      ...http.env
    }
  }).pipe(
    // No banner while a service cannot start: the reason, and everything this run started is stopped.
    Effect.catchTags({
      PortTaken: (e) => startFailed(e.message),
      ServiceNotReady: (e) => startFailed(`${e.service} did not start: ${e.lastError}`)
    })
  )

  const demoDevices = (yield* Config.String("WT_DEMO_DEVICES").pipe(Config.withDefault("1"))) !== "0"
  if (demoDevices) yield* runDemoDevices(nats.url, seeded?.devices ?? 1358, natsUserEnv("sim", nats.access))

  if (demoResponders) yield* runDemoResponders(`http://127.0.0.1:${dispatchPort}`, dataDir)

  const line = "─".repeat(72)
  const text = [
    line,
    " Welfare-technology response centre is running",
    line,
    ` Console + API   http://localhost:${httpPort}        (OpenAPI: /api/openapi.json)`,
    ` HTTP ingest     http://localhost:${ingestPort}/v1/events   (vendor webhooks: /v1/webhooks/{vendor})`,
    ...receiverLines(protocolPorts),
    ...receiverCopyPorts.flatMap((own, i) => [` Receivers #${i + 2}    another copy, its own device ports:`, ...receiverLines(own)]),
    ...http.lines,
    ` Demo ingest key ${Redacted.value(secrets.ingestKey)}`,
    ` Demo users      ${DemoUsers.map((u) => `${u.username} (${u.role})`).join(", ")}`,
    `                 ${NeighbourUsers.map((u) => `${u.username} (${u.role} of ${u.tenants.join(" + ")})`).join(", ")}`,
    ` Demo password   ${Redacted.value(secrets.password)}   (demo only; set WT_DEMO_PASSWORD / WT_DEMO_INGEST_KEY to fix them)`,
    ` Tenant          demo — ${seeded?.residents ?? "?"} residents, ${seeded?.devices ?? "?"} devices`,
    ...(cluster === undefined
      ? [` NATS            ${nats.url} (${nats.kind === "external" ? "external" : `embedded ${nats.kind}`}${nats.access === undefined ? "" : `, a user per service${nats.tls ? ", TLS" : ""}; keys in ${secretsDirOf(dataDir)}`})`]
      : [
        ` NATS cluster    ${cluster.nodes.length} nodes on loopback, TLS between clients and nodes and between nodes, streams at ${replicas} replicas; a user per service, keys and CA in ${secretsDirOf(dataDir)}`,
        ...cluster.nodes.map((n) => `   ${n.name.padEnd(13)} ${n.clientUrl}   monitor ${n.monitorUrl}   store ${n.storeDir}`)
      ]),
    ...(copies > 1 ? copyLines(system) : []),
    ` PostgreSQL      ${Option.isSome(database.embedded) ? `embedded PGlite on ${databaseUrl}` : "DATABASE_URL"}`,
    ` Data directory  ${dataDir}`,
    ` Responder API   http://localhost:${dispatchPort}/v1/responder/offers   (dispatch; demo phones' tokens in ${join(dataDir, "demo-secrets.json")})`,
    ` Demo responders ${demoResponders ? "4 simulated home-care teams and next of kin answer call-outs (WT_DEMO_RESPONDERS=0 to stop them)" : "off: call-outs wait for real responders"}`,
    ` Demo devices    ${demoDevices ? "heartbeats of the whole fleet are being sent (WT_DEMO_DEVICES=0 to stop them)" : "off: devices will fall silent"}`,
    ` Try it          pnpm sim --via http --key <ingest key> --mix alarms-only --count 5`,
    ` Stop            Ctrl-C`,
    line
  ].join("\n")
  yield* Effect.sync(() => process.stdout.write(text + "\n"))
  return yield* Effect.never
})

const startFailed = (reason: string) =>
  Effect.sync(() => process.stderr.write(`\npnpm start: the system is not running.\n${reason}\n\n`)).pipe(
    Effect.andThen(Effect.fail(new StartFailed({ message: reason })))
  )

NodeRuntime.runMain(
  Effect.scoped(program).pipe(
    Effect.ensuring(Effect.sync(() => process.stdout.write("stopped: services, NATS and PostgreSQL this run started are down\n"))),
    Effect.provide(LoggerLive("launcher"))
  ),
  { teardown: stoppedBySignalIsSuccess }
)
