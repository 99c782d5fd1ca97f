import { isAbsolute, resolve } from "node:path"
import { Clock, Config, Console, Effect, Layer, Option, Redacted, Result } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { DeviceEventTypes } from "@wt/contracts"
import { Nats, natsAccessFor } from "@wt/nats"
import { demoSimFleet, readRegistryFile } from "./fleet.ts"
import type { SimFleet } from "./fleet.ts"
import { makeFleetEvents, Mixes } from "./fleet-events.ts"
import { httpIngestSink, MaxIngestBatch } from "./http-ingest-sink.ts"
import { EventSink, SinkVias } from "./event-sink.ts"
import { jetStreamSink } from "./jetstream-sink.ts"
import { scenarioCommand } from "./scenario/scenario-command.ts"
import { makeTally, runSimulation } from "./simulation.ts"
import type { SimulationSummary } from "./simulation.ts"
import { dc09Sink } from "./wire/dc09-sink.ts"
import { readSimSecrets } from "./wire/demo-secrets-file.ts"
import { osmandSink } from "./wire/osmand-sink.ts"
import { scaipSink } from "./wire/scaip-sink.ts"
import { resolveWebhookSecrets } from "./wire/wire-sink-options.ts"
import { webhookSink } from "./wire/webhook-sink.ts"

const port = (name: string, variable: string, fallback: number, what: string) =>
  Flag.Int(name).pipe(Flag.withDescription(`${what} (${variable}, default ${fallback})`), Flag.withFallbackConfig(Config.Int(variable)), Flag.withDefault(fallback))

const flags = {
  via: Flag.Literals("via", SinkVias).pipe(
    Flag.withDescription(
      "http: POST to the ingest gateway; nats: publish straight onto JetStream WT_DEVICE; " +
        "dc09, scaip, osmand: as the devices speak, to the receivers; webhook: as the vendor platforms post, to the gateway"
    ),
    Flag.withDefault("http")
  ),
  rate: Flag.Finite("rate").pipe(Flag.withDescription("Events per second; 0 = as fast as possible"), Flag.withDefault(100)),
  count: Flag.Int("count").pipe(Flag.withDescription("Stop after this many events"), Flag.optional),
  duration: Flag.Finite("duration").pipe(Flag.withDescription("Stop after this many seconds"), Flag.optional),
  seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the event generator (default: random, shown in the summary)"), Flag.optional),
  tenant: Flag.String("tenant").pipe(Flag.withDescription("Tenant id (default demo, or the registry file's)"), Flag.optional),
  residents: Flag.Int("residents").pipe(Flag.withDescription("Residents in the demo fleet (default: as the registry is seeded)"), Flag.optional),
  fleetSeed: Flag.Int("fleet-seed").pipe(Flag.withDescription("Seed of the demo fleet (default: as the registry is seeded)"), Flag.optional),
  registry: Flag.String("registry").pipe(
    Flag.withDescription("Use the fleet in this file (output of `pnpm wt registry export --tenant demo`)"),
    Flag.optional
  ),
  mix: Flag.Literals("mix", Mixes).pipe(
    Flag.withDescription("normal: heartbeats and telemetry, care alarms rare; alarms-only: only what reaches an operator"),
    Flag.withDefault("normal")
  ),
  type: Flag.Literals("type", DeviceEventTypes).pipe(Flag.withDescription("Send only events of this type"), Flag.optional),
  batch: Flag.Int("batch").pipe(Flag.withDescription("Events per request/publish window step (default 1000 http, 256 nats)"), Flag.optional),
  concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Batches in flight at once"), Flag.withDefault(4)),
  url: Flag.String("url").pipe(
    Flag.withDescription("Ingest gateway base URL (WT_INGEST_URL)"),
    Flag.withFallbackConfig(Config.String("WT_INGEST_URL")),
    Flag.withDefault("http://127.0.0.1:8081")
  ),
  key: Flag.Redacted("key").pipe(
    Flag.withDescription("Tenant ingest key (WT_INGEST_KEY)"),
    Flag.withFallbackConfig(Config.Redacted("WT_INGEST_KEY")),
    Flag.optional
  ),
  natsUrl: Flag.String("nats-url").pipe(
    Flag.withDescription("NATS server(s) for --via nats (NATS_URL)"),
    Flag.withFallbackConfig(Config.String("NATS_URL")),
    Flag.withDefault("nats://127.0.0.1:4222")
  ),
  receiverHost: Flag.String("receiver-host").pipe(
    Flag.withDescription("Where the receivers listen, for --via dc09|scaip|osmand (WT_RECEIVER_HOST)"),
    Flag.withFallbackConfig(Config.String("WT_RECEIVER_HOST")),
    Flag.withDefault("127.0.0.1")
  ),
  dc09Port: port("dc09-port", "WT_DC09_PORT", 9000, "SIA DC-09 port, TCP and UDP"),
  scaipPort: port("scaip-port", "WT_SCAIP_PORT", 9100, "SCAIP port"),
  osmandPort: port("osmand-port", "WT_OSMAND_PORT", 5055, "OsmAnd port"),
  transport: Flag.Literals("transport", ["tcp", "udp"]).pipe(Flag.withDescription("DC-09 over TCP (connections kept open) or UDP"), Flag.withDefault("tcp")),
  connections: Flag.Int("connections").pipe(
    Flag.withDescription("Connections (or sockets, or requests in flight) per protocol; a device always uses the same one"),
    Flag.withDefault(16)
  ),
  answerTimeout: Flag.Int("answer-timeout").pipe(Flag.withDescription("Milliseconds to wait for a frame's ACK or answer before resending"), Flag.withDefault(3000)),
  attempts: Flag.Int("attempts").pipe(Flag.withDescription("Frames written per event before it counts as unanswered (first included)"), Flag.withDefault(3)),
  dataDir: Flag.String("data-dir").pipe(
    Flag.withDescription("The platform's data directory, for the demo's DC-09 key secret and webhook secrets in demo-secrets.json (WT_DATA_DIR)"),
    Flag.withFallbackConfig(Config.String("WT_DATA_DIR")),
    Flag.withDefault(".data")
  ),
  webhookSecret: Flag.String("webhook-secret").pipe(
    Flag.withDescription("A vendor's webhook secret, vendor=secret (repeatable) or one secret for every vendor (else WT_WEBHOOK_SECRET_<VENDOR>, else demo-secrets.json)"),
    Flag.atLeast(0)
  ),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("No live rate line"), Flag.withDefault(false))
}

const usage = (message: string) => new CliError.UserError({ cause: new Error(message), userMessage: message })

const randomSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!

// `pnpm sim` runs in the workspace root; a relative path means relative to where the user typed it.
const userPath = (path: string): string => (isAbsolute(path) ? path : resolve(process.env["INIT_CWD"] ?? process.cwd(), path))

const liveLine = () => {
  let last: SimulationSummary | undefined
  return (summary: SimulationSummary) =>
    Effect.sync(() => {
      const dt = last === undefined ? summary.elapsedS : summary.elapsedS - last.elapsedS
      const eps = dt > 0 ? Math.round((summary.sent - (last?.sent ?? 0)) / dt) : 0
      last = summary
      process.stderr.write(
        `\r\x1b[K${eps} ev/s  sent ${summary.sent}  accepted ${summary.accepted}  rejected ${summary.rejected}` +
          (summary.duplicates > 0 ? `  duplicates ${summary.duplicates}` : "") +
          (summary.skipped > 0 ? `  skipped ${summary.skipped}` : "") + `  ${Math.round(summary.elapsedS)} s`
      )
    })
}

export const simCommand = Command.make("sim", flags, Effect.fn("Sim.command")(function*(f) {
  if (f.rate < 0) return yield* usage("--rate must be 0 (unpaced) or more")
  if (Option.isSome(f.count) && f.count.value <= 0) return yield* usage("--count must be positive")
  if (Option.isSome(f.duration) && f.duration.value <= 0) return yield* usage("--duration must be positive")
  if (f.concurrency < 1) return yield* usage("--concurrency must be at least 1")
  if (f.connections < 1) return yield* usage("--connections must be at least 1")
  if (f.attempts < 1) return yield* usage("--attempts must be at least 1")
  if (f.answerTimeout < 1) return yield* usage("--answer-timeout must be positive")
  const batch = Option.getOrElse(f.batch, () => (f.via === "http" ? MaxIngestBatch : f.via === "nats" ? 256 : 64))
  if (batch < 1 || (f.via === "http" && batch > MaxIngestBatch)) {
    return yield* usage(`--batch must be between 1 and ${f.via === "http" ? MaxIngestBatch : "any positive number"}`)
  }
  if (f.via === "http" && Option.isNone(f.key)) {
    return yield* usage("no ingest key: set WT_INGEST_KEY or pass --key (pnpm start prints the demo key)")
  }

  const loaded: SimFleet = Option.isSome(f.registry)
    ? yield* readRegistryFile(userPath(f.registry.value)).pipe(Effect.mapError((e) => usage(`${e.path}: ${e.reason}`)))
    : demoSimFleet({
      ...Option.match(f.tenant, { onNone: () => ({}), onSome: (tenant) => ({ tenant }) }),
      ...Option.match(f.residents, { onNone: () => ({}), onSome: (residents) => ({ residents }) }),
      ...Option.match(f.fleetSeed, { onNone: () => ({}), onSome: (seed) => ({ seed }) })
    })
  const fleet: SimFleet = Option.isSome(f.tenant) ? { ...loaded, tenant: { id: f.tenant.value } } : loaded
  const seed = Option.getOrElse(f.seed, randomSeed)
  const made = makeFleetEvents(fleet, {
    seed,
    mix: f.mix,
    idSalt: randomSeed(),
    ...Option.match(f.type, { onNone: () => ({}), onSome: (only) => ({ only }) })
  })
  if (Result.isFailure(made)) return yield* usage(made.failure.reason)
  const source = made.success

  const persistence = { attempts: f.attempts, answerTimeoutMs: f.answerTimeout }
  const secrets = f.via === "dc09" || f.via === "webhook"
    ? yield* readSimSecrets(userPath(f.dataDir)).pipe(Effect.mapError((e) => usage(`${e.file}: ${e.reason}`)))
    : { webhookSecrets: {} }
  const webhookSecrets = resolveWebhookSecrets(f.webhookSecret, process.env, secrets.webhookSecrets)
  if (f.via === "webhook" && Object.keys(webhookSecrets).length === 0) {
    return yield* usage("no webhook secret: pass --webhook-secret, set WT_WEBHOOK_SECRET_<VENDOR>, or --data-dir of a platform pnpm start made")
  }
  const common = { host: f.receiverHost, lanes: f.connections, persistence, fleet }
  const sink: Layer.Layer<EventSink, unknown> = f.via === "http"
    ? httpIngestSink({ url: f.url, key: Option.getOrElse(f.key, () => Redacted.make("")) })
    : f.via === "nats"
    // As NATS user `sim`: NATS_NKEY_FILE … when set, else its key in the platform's data directory.
    ? jetStreamSink.pipe(Layer.provide(Nats.layerWith({ url: f.natsUrl, name: "wt-sim-devices", connectTimeoutMs: 5_000, ...natsAccessFor("sim", userPath(f.dataDir)) })))
    : f.via === "dc09"
    ? dc09Sink({ ...common, port: f.dc09Port, transport: f.transport, keySecret: secrets.dc09KeySecret })
    : f.via === "scaip"
    ? scaipSink({ ...common, port: f.scaipPort })
    : f.via === "osmand"
    ? osmandSink({ ...common, port: f.osmandPort })
    : webhookSink({ url: f.url, secrets: webhookSecrets, lanes: f.connections, maxEventsPerDelivery: 100, persistence, fleet })

  const live = process.stderr.isTTY === true && !f.quiet && !process.env["CI"]
  const startMs = yield* Clock.currentTimeMillis
  const tally = makeTally(startMs)
  const printSummary = Effect.gen(function*() {
    if (live) process.stderr.write("\r\x1b[K")
    const summary = tally.summary(yield* Clock.currentTimeMillis)
    const { rejectedReasons, skippedReasons, ...counts } = summary
    const { wire } = yield* EventSink
    yield* Console.log(JSON.stringify(
      {
        via: f.via,
        tenant: fleet.tenant.id,
        devices: source.deviceCount,
        seed,
        mix: f.mix,
        ...Option.match(f.type, { onNone: () => ({}), onSome: (type) => ({ type }) }),
        ...counts,
        ...(summary.rejected > 0 ? { rejectedReasons } : {}),
        ...(summary.skipped > 0 ? { skippedReasons } : {}),
        ...(wire !== undefined ? { wire: wire() } : {})
      },
      null,
      2
    ))
  })

  yield* runSimulation({
    source,
    rate: f.rate,
    count: Option.getOrUndefined(f.count),
    durationS: Option.getOrUndefined(f.duration),
    batch,
    concurrency: f.concurrency,
    tally,
    startMs,
    onProgress: live ? liveLine() : undefined
  }).pipe(
    // Ctrl-C ends the run; what was delivered until then is still worth reporting.
    Effect.onExit((exit) => (exit._tag === "Success" || tally.summary(startMs).sent > 0 ? printSummary : Effect.void)),
    Effect.provide(sink),
    Effect.mapError((error) => usage(error instanceof Error ? error.message : String(error)))
  )
})).pipe(
  Command.withDescription("Simulate a fleet of welfare-technology devices sending canonical device events"),
  Command.withExamples([
    { command: "pnpm sim --count 10000 --rate 2000", description: "10 000 events of the normal mix to the ingest gateway" },
    { command: "pnpm sim --via nats --rate 0 --duration 30", description: "As fast as JetStream takes them, for 30 s" },
    { command: "pnpm sim --mix alarms-only --rate 1 --duration 60", description: "One care alarm a second for a minute" },
    { command: "pnpm sim --registry demo.json --type gps", description: "Positions from the trackers in an exported registry" },
    { command: "pnpm sim --via dc09 --rate 200 --duration 60", description: "Alarm units over SIA DC-09 (TCP; encrypting units keyed from .data/demo-secrets.json)" },
    { command: "pnpm sim --via dc09 --transport udp --mix alarms-only --rate 5", description: "DC-09 over UDP, care alarms only" },
    { command: "pnpm sim --via scaip --rate 100", description: "SCAIP units on TCP" },
    { command: "pnpm sim --via osmand --type gps --rate 50", description: "Trackers' positions and SOS over OsmAnd" },
    { command: "pnpm sim --via webhook --rate 100", description: "Dispenser and sensor vendor platforms posting signed webhooks" },
    { command: "pnpm sim scenario network-outage --speed 60", description: "A scenario from simulators/devices/scenarios" }
  ]),
  Command.withSubcommands([scenarioCommand])
)
