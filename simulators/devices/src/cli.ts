import { isAbsolute, resolve } from "node:path"
import { Clock, Config, Console, Effect, Layer, Option, Result } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { DeviceEventTypes } from "@wt/contracts"
import { Nats } from "@wt/nats"
import { demoSimFleet, readRegistryFile } from "./fleet.ts"
import type { SimFleet } from "./fleet.ts"
import { makeFleetEvents, Mixes } from "./fleet-events.ts"
import { httpIngestSink, MaxIngestBatch } from "./http-ingest-sink.ts"
import { jetStreamSink } from "./jetstream-sink.ts"
import { scenarioCommand } from "./scenario/scenario-command.ts"
import { makeTally, runSimulation } from "./simulation.ts"
import type { SimulationSummary } from "./simulation.ts"

const flags = {
  via: Flag.Literals("via", ["http", "nats"]).pipe(
    Flag.withDescription("http: POST to the ingest gateway; nats: publish straight onto JetStream WT_DEVICE"),
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
          (summary.duplicates > 0 ? `  duplicates ${summary.duplicates}` : "") + `  ${Math.round(summary.elapsedS)} s`
      )
    })
}

export const simCommand = Command.make("sim", flags, Effect.fn("Sim.command")(function*(f) {
  if (f.rate < 0) return yield* usage("--rate must be 0 (unpaced) or more")
  if (Option.isSome(f.count) && f.count.value <= 0) return yield* usage("--count must be positive")
  if (Option.isSome(f.duration) && f.duration.value <= 0) return yield* usage("--duration must be positive")
  if (f.concurrency < 1) return yield* usage("--concurrency must be at least 1")
  const batch = Option.getOrElse(f.batch, () => (f.via === "http" ? MaxIngestBatch : 256))
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

  const sink = f.via === "http"
    ? httpIngestSink({ url: f.url, key: Option.getOrThrow(f.key) })
    : jetStreamSink.pipe(Layer.provide(Nats.layerWith({ url: f.natsUrl, name: "wt-sim-devices", connectTimeoutMs: 5_000 })))

  const live = process.stderr.isTTY === true && !f.quiet && !process.env["CI"]
  const startMs = yield* Clock.currentTimeMillis
  const tally = makeTally(startMs)
  const printSummary = Effect.gen(function*() {
    if (live) process.stderr.write("\r\x1b[K")
    const summary = tally.summary(yield* Clock.currentTimeMillis)
    const { rejectedReasons, ...counts } = summary
    yield* Console.log(JSON.stringify(
      {
        via: f.via,
        tenant: fleet.tenant.id,
        devices: source.deviceCount,
        seed,
        mix: f.mix,
        ...Option.match(f.type, { onNone: () => ({}), onSome: (type) => ({ type }) }),
        ...counts,
        ...(summary.rejected > 0 ? { rejectedReasons } : {})
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
    Effect.mapError((error) => usage(error.message))
  )
})).pipe(
  Command.withDescription("Simulate a fleet of welfare-technology devices sending canonical device events"),
  Command.withExamples([
    { command: "pnpm sim --count 10000 --rate 2000", description: "10 000 events of the normal mix to the ingest gateway" },
    { command: "pnpm sim --via nats --rate 0 --duration 30", description: "As fast as JetStream takes them, for 30 s" },
    { command: "pnpm sim --mix alarms-only --rate 1 --duration 60", description: "One care alarm a second for a minute" },
    { command: "pnpm sim --registry demo.json --type gps", description: "Positions from the trackers in an exported registry" },
    { command: "pnpm sim scenario network-outage --speed 60", description: "A scenario from simulators/devices/scenarios" }
  ]),
  Command.withSubcommands([scenarioCommand])
)
