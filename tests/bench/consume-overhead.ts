/**
 * `pnpm bench consume [--messages N] [--rounds R]`: what a JetStream consumer costs per message,
 * the client's and the server's CPU, for `@wt/nats`'s `consume` against nats.js alone. Each
 * event of the pipeline is delivered to three such consumers, so their per-message cost bounds it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { DeviceEventHead, deviceEventKey, Streams, Subjects } from "@wt/contracts"
import { consume, defaultNatsSettings, ensureConsumer, Nats, NatsConfig, provisionStreams, startEmbeddedNats, TestUser } from "@wt/nats"
import { demoSimFleet, deviceSubject } from "@wt/sim-devices"
import { Effect, Exit, Fiber, Layer, References } from "effect"
import { cpuMs, natsServerPid } from "./cpu-usage.ts"
import { publishWindowed } from "./raw-publish.ts"
import { stormEvents } from "./storm-events.ts"

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    messages: { type: "string", default: "100000" },
    rounds: { type: "string", default: "2" },
    only: { type: "string" }
  }
})
const messages = Number(values.messages)
const rounds = Number(values.rounds)

interface Figure {
  readonly variant: string
  readonly seconds: number
  readonly clientUs: number
  readonly serverUs: number
}

const ownCpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Runs `drain` (which returns once `messages` were handled) and measures both processes' CPU. */
const measure = Effect.fn("Bench.measure")(function*(variant: string, serverPid: number, drain: Effect.Effect<void, unknown, Nats>) {
  const client0 = ownCpuMs(), server0 = cpuMs(serverPid) ?? 0, t0 = performance.now()
  yield* drain
  const seconds = (performance.now() - t0) / 1000
  const figure: Figure = {
    variant,
    seconds: Math.round(seconds * 100) / 100,
    clientUs: Math.round((ownCpuMs() - client0) * 1000 / messages * 10) / 10,
    serverUs: Math.round(((cpuMs(serverPid) ?? 0) - server0) * 1000 / messages * 10) / 10
  }
  console.log(`[consume] ${variant}: ${messages} in ${figure.seconds} s; CPU per message: client ${figure.clientUs} µs, nats-server ${figure.serverUs} µs`)
  return figure
})

/**
 * `@wt/nats` consume with a handler that does nothing; with `now`, every message is taken by
 * `handleNow` instead, without a fiber, as triage-bulk and audit take most of theirs.
 */
const wtConsume = Effect.fn("Bench.wtConsume")(function*(durable: string, concurrency: number, now = false) {
  let handled = 0
  const done = Promise.withResolvers<void>()
  const counted = () => {
    if (++handled === messages) done.resolve()
  }
  const fiber = yield* Effect.forkChild(consume({
    stream: Streams.device,
    durable,
    filterSubject: Subjects.deviceAll,
    schema: DeviceEventHead,
    source: "audit",
    concurrency,
    handler: () => Effect.sync(counted),
    ...(now
      ? {
        handleNow: (_head: DeviceEventHead, _meta: unknown, settle: (exit: Exit.Exit<void>) => void) => {
          counted()
          settle(Exit.void)
          return true
        }
      }
      : {})
  }))
  yield* Effect.promise(() => done.promise)
  yield* Fiber.interrupt(fiber)
})

/** nats.js alone: its iterator, JSON.parse of each message, ack. */
const rawConsume = Effect.fn("Bench.rawConsume")(function*(durable: string) {
  const nats = yield* Nats
  yield* ensureConsumer({ stream: Streams.device, durable, filterSubject: Subjects.deviceAll, ackWaitMs: 30_000, maxAckPending: 8192, deliverPolicy: "all" })
  // The client alone, as the baseline: through `use`.
  yield* nats.use(async ({ js }) => {
    const consumer = await js.consumers.get(Streams.device, durable)
    const iter = await consumer.consume({ max_messages: 2048 })
    const text = new TextDecoder()
    let handled = 0
    for await (const m of iter) {
      JSON.parse(text.decode(m.data))
      m.ack()
      if (++handled === messages) break
    }
    await iter.close()
  })
})

const variants = (round: number) =>
  [
    ["raw", "nats.js alone (iterator, JSON.parse, ack)", rawConsume(`raw-${round}`)],
    ["wt1", "@wt/nats consume, 1 worker", wtConsume(`wt1-${round}`, 1)],
    ["wt256", "@wt/nats consume, 256 workers", wtConsume(`wt256-${round}`, 256)],
    ["wt256now", "@wt/nats consume, 256 workers, taken by handleNow", wtConsume(`wt256now-${round}`, 256, true)]
  ] as const

const program = Effect.gen(function*() {
  const dataDir = mkdtempSync(join(tmpdir(), "wt-bench-consume-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dataDir, { recursive: true, force: true })))
  const server = yield* startEmbeddedNats({ dataDir, readyTimeoutMs: 20_000, testUser: true })
  const pid = natsServerPid()
  if (pid === undefined) return yield* Effect.die(new Error("cannot find the nats-server's pid"))

  const run = Effect.gen(function*() {
    yield* provisionStreams.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
    const nats = yield* Nats
    const fleet = demoSimFleet({ residents: Math.ceil(messages / 4) })
    const { events } = stormEvents(fleet, messages, 1, Date.now())
    const encoder = new TextEncoder()
    const raw = events.slice(0, messages).map((event) => ({
      subject: deviceSubject(event),
      bytes: encoder.encode(JSON.stringify({ ...event, receivedAt: new Date().toISOString() })),
      msgId: deviceEventKey(event)
    }))
    const { stored } = yield* publishWindowed(nats, raw, 1000)
    console.log(`[consume] ${stored} device events stored on a fresh nats-server (pid ${pid})`)
    const figures: Array<Figure> = []
    for (let round = 1; round <= rounds; round++) {
      for (const [key, variant, drain] of variants(round)) {
        if (values.only === undefined || values.only === key) figures.push(yield* measure(variant, pid, drain))
      }
    }
    return figures
  })
  return yield* run.pipe(
    Effect.provide(Nats.layer.pipe(Layer.provideMerge(Layer.succeed(NatsConfig, { ...defaultNatsSettings, url: server.url, name: "wt-bench-consume", ...server.access!(TestUser) }))))
  )
})

NodeRuntime.runMain(Effect.scoped(program).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
