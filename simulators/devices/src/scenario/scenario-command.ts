import { resolve } from "node:path"
import { Clock, Config, Console, Effect, Layer, Option, Schema } from "effect"
import { Argument, CliError, Command, Flag } from "effect/cli"
import { Nats, natsAccessFor } from "@wt/nats"
import { demoSimFleet } from "../fleet.ts"
import { httpIngestSink, MaxIngestBatch } from "../http-ingest-sink.ts"
import { jetStreamSink } from "../jetstream-sink.ts"
import { DefaultUtcOffsetMin } from "../model/local-time.ts"
import { runScenario } from "./run-scenario.ts"
import type { ScenarioProgress } from "./run-scenario.ts"
import { loadScenario, scenarioNames } from "./scenario.ts"
import { simStartFor } from "./sim-start.ts"

export class UnexpectedRejections extends Schema.TaggedError<UnexpectedRejections>()("UnexpectedRejections", {
  scenario: Schema.String,
  rejected: Schema.Number
}) {
  override get message(): string {
    return `scenario ${this.scenario}: the receiver rejected ${this.rejected} events (reasons in the summary)`
  }
}

const usage = (message: string) => new CliError.UserError({ cause: new Error(message), userMessage: message })

/** "90", "90s", "15m", "9h" → seconds. */
export const parseDuration = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*([smh]?)$/u.exec(text.trim())
  if (match === null) return undefined
  const n = Number(match[1])
  return n * (match[2] === "h" ? 3600 : match[2] === "m" ? 60 : 1)
}

const randomSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!

const flags = {
  name: Argument.String("scenario").pipe(Argument.withDescription(`A scenario name (${scenarioNames().join(", ")}), a path to a scenario JSON file, or "list"`)),
  speed: Flag.Finite("speed").pipe(Flag.withDescription("Simulated seconds per real second (default: the scenario's); 1 = real time, 0 = as fast as it goes"), Flag.optional),
  seed: Flag.Int("seed").pipe(Flag.withDescription("Seed (default: random, shown in the summary); the same seed replays the same run"), Flag.optional),
  via: Flag.Literals("via", ["http", "nats"]).pipe(Flag.withDescription("http: the ingest gateway; nats: straight onto JetStream WT_DEVICE"), Flag.withDefault("http")),
  residents: Flag.Int("residents").pipe(Flag.withDescription("Residents of the demo fleet (default: the scenario's; at most as many as the registry holds)"), Flag.optional),
  duration: Flag.String("duration").pipe(Flag.withDescription("Simulated period instead of the scenario's: seconds, or 15m, 9h"), Flag.optional),
  at: Flag.String("at").pipe(Flag.withDescription("Simulated start instant (ISO 8601) instead of the scenario's hour"), Flag.optional),
  heartbeatInterval: Flag.Int("heartbeat-interval").pipe(
    Flag.withDescription("Heartbeat interval in seconds for every device, overriding the registry's (match what the registry was seeded with)"),
    Flag.optional
  ),
  batch: Flag.Int("batch").pipe(Flag.withDescription("Events per request or publish window (default 1000 http, 256 nats)"), Flag.optional),
  concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Batches in flight at once"), Flag.withDefault(4)),
  url: Flag.String("url").pipe(
    Flag.withDescription("Ingest gateway base URL (WT_INGEST_URL)"),
    Flag.withFallbackConfig(Config.String("WT_INGEST_URL")),
    Flag.withDefault("http://127.0.0.1:8081")
  ),
  key: Flag.Redacted("key").pipe(Flag.withDescription("Tenant ingest key (WT_INGEST_KEY)"), Flag.withFallbackConfig(Config.Redacted("WT_INGEST_KEY")), Flag.optional),
  natsUrl: Flag.String("nats-url").pipe(
    Flag.withDescription("NATS server(s) for --via nats (NATS_URL)"),
    Flag.withFallbackConfig(Config.String("NATS_URL")),
    Flag.withDefault("nats://127.0.0.1:4222")
  ),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("No progress bar"), Flag.withDefault(false))
}

const hhmm = (ms: number) => new Date(ms + DefaultUtcOffsetMin * 60_000).toISOString().slice(11, 16)

const progressBar = () => {
  let last: ScenarioProgress | undefined
  return (p: ScenarioProgress) =>
    Effect.sync(() => {
      const dt = last === undefined ? p.elapsedS : p.elapsedS - last.elapsedS
      const eps = dt > 0 ? Math.round((p.counts.sent - (last?.counts.sent ?? 0)) / dt) : 0
      last = p
      const width = 24
      const filled = Math.round(Math.max(0, Math.min(1, p.done)) * width)
      process.stderr.write(
        `\r\x1b[K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor(p.done * 100)}%  sim ${hhmm(p.simNowMs)}  ` +
          `${eps} ev/s  sent ${p.counts.sent}  rejected ${p.counts.rejected}` +
          (p.disturbances.buffered > p.disturbances.flushed ? `  buffered ${p.disturbances.buffered - p.disturbances.flushed}` : "")
      )
    })
}

export const scenarioCommand = Command.make("scenario", flags, Effect.fn("Sim.scenario")(function*(f) {
  if (f.name === "list") {
    for (const name of scenarioNames()) {
      const scenario = yield* loadScenario(name).pipe(Effect.mapError((e) => usage(e.message)))
      yield* Console.log(`${name.padEnd(22)} ${scenario.description}`)
    }
    return
  }
  const scenario = yield* loadScenario(f.name).pipe(Effect.mapError((e) => usage(e.message)))
  const speed = Option.getOrElse(f.speed, () => scenario.speed)
  if (speed < 0) return yield* usage("--speed must be 0 (as fast as possible) or more")
  const durationS = Option.isSome(f.duration) ? parseDuration(f.duration.value) : scenario.durationS
  if (durationS === undefined || durationS <= 0) return yield* usage("--duration must be a positive number of seconds, or like 15m or 9h")
  if (f.concurrency < 1) return yield* usage("--concurrency must be at least 1")
  const batch = Option.getOrElse(f.batch, () => (f.via === "http" ? MaxIngestBatch : 256))
  if (batch < 1 || (f.via === "http" && batch > MaxIngestBatch)) return yield* usage(`--batch must be between 1 and ${MaxIngestBatch} for http`)
  if (f.via === "http" && Option.isNone(f.key)) return yield* usage("no ingest key: set WT_INGEST_KEY or pass --key (pnpm start prints the demo key)")
  const at = Option.map(f.at, (text) => Date.parse(text))
  if (Option.isSome(at) && Number.isNaN(at.value)) return yield* usage("--at must be an ISO 8601 instant")

  const fleet = demoSimFleet({ residents: Option.getOrElse(f.residents, () => scenario.residents) })
  const seed = Option.getOrElse(f.seed, randomSeed)
  const nowMs = yield* Clock.currentTimeMillis
  const simStartMs = Option.getOrElse(at, () => simStartFor({ startLocal: scenario.startLocal, durationS, speed, nowMs, utcOffsetMin: DefaultUtcOffsetMin }))
  const sink = f.via === "http"
    ? httpIngestSink({ url: f.url, key: Option.getOrThrow(f.key) })
    : jetStreamSink.pipe(Layer.provide(Nats.layerWith({
      url: f.natsUrl,
      name: "wt-sim-scenario",
      connectTimeoutMs: 5_000,
      // As NATS user `sim`: NATS_NKEY_FILE … when set, else its key in the platform's data directory.
      ...natsAccessFor("sim", resolve(process.env["WT_DATA_DIR"] ?? ".data"))
    })))
  const live = process.stderr.isTTY === true && !f.quiet && !process.env["CI"]

  const summary = yield* runScenario({
    scenario,
    fleet,
    seed,
    speed,
    simStartMs,
    durationS,
    utcOffsetMin: DefaultUtcOffsetMin,
    batch,
    concurrency: f.concurrency,
    heartbeatIntervalS: Option.getOrUndefined(f.heartbeatInterval),
    idSalt: randomSeed(),
    onProgress: live ? progressBar() : undefined
  }).pipe(Effect.provide(sink), Effect.mapError((error) => usage(error.message)))
  if (live) process.stderr.write("\r\x1b[K")
  const { counts, ...rest } = summary
  const { rejectedReasons, ...totals } = counts
  yield* Console.log(JSON.stringify({ ...rest, via: f.via, ...totals, ...(counts.rejected > 0 ? { rejectedReasons } : {}) }, null, 2))
  if (counts.rejected > 0) return yield* usage(new UnexpectedRejections({ scenario: scenario.name, rejected: counts.rejected }).message)
})).pipe(
  Command.withDescription("Play a scenario (a normal day, a care-home night, a network outage, a fire, a flooding sensor) against the platform"),
  Command.withExamples([
    { command: "pnpm sim scenario list", description: "The scenarios and what they do" },
    { command: "pnpm sim scenario network-outage --speed 60 --seed 7", description: "An hour with a 15-minute outage of 20 % of the devices, in one minute" },
    { command: "pnpm sim scenario fire --speed 1 --via nats", description: "A fire in real time, straight onto JetStream" },
    { command: "pnpm sim scenario care-home-night --duration 2h --speed 0", description: "Two hours of the night, as fast as the gateway takes it" }
  ])
)
