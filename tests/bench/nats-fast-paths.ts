/**
 * `pnpm bench nats-fast-paths [--rounds 3] [--publish N] [--read N] [--trickle N] [--only pub-acks|own-publish|coalescing|bulk-read|bulk-follow|bulk-follow-live]`
 * (or `pnpm exec node tests/bench/nats-fast-paths.ts …`): each of @wt/nats's client fast paths
 * (packages/nats/src/client-fast-paths) against the nats.js client's own path, on a nats-server of
 * its own. The two are run alternately, `--rounds` times each, and the medians compared: on a
 * shared machine one run says little. Throughput (messages a second) and this process's CPU per
 * message (µs), which stays comparable when other work shares the cores. The consumer's message
 * inbox was measured here too, and removed: docs/benchmarks/2026-12-04-nats-fast-paths.md.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { authenticatorOf, followPushed, makeNats, Nats, publishRawAll, readRange, startEmbeddedNats, TestUser } from "@wt/nats"
import { Deferred, Effect, Exit, Fiber, References, Result } from "effect"
import { bulkFollow, bulkReadRange } from "../../packages/nats/src/client-fast-paths/bulk-read.ts"
import { pubAcksOf } from "../../packages/nats/src/client-fast-paths/pub-acks.ts"
import { coalesceWrites } from "../../packages/nats/src/client-fast-paths/write-coalescing.ts"

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "nats-fast-paths"),
  options: {
    rounds: { type: "string", default: "3" },
    publish: { type: "string", default: "20000" },
    read: { type: "string", default: "200000" },
    trickle: { type: "string", default: "5000" },
    only: { type: "string" }
  }
})
const rounds = Number(values.rounds)
const publishCount = Number(values.publish)
const readCount = Number(values.read)
/** Messages a second stored while the live followers read them (as a lane's heartbeats come). */
const trickleRate = Number(values.trickle)
/** Publishes awaiting their ack at once, as a busy gateway has them. */
const PublishWindow = 1_000

interface Run {
  readonly perSecond: number
  readonly cpuUsPerMessage: number
}

const ownCpuUs = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** Runs `work`, which handles `messages` messages, and measures its rate and this process's CPU. */
const measure = Effect.fn("Bench.measure")(function*<E, R>(messages: number, work: Effect.Effect<unknown, E, R>) {
  const cpu0 = ownCpuUs(), t0 = performance.now()
  yield* work
  const seconds = (performance.now() - t0) / 1000
  return { perSecond: Math.round(messages / seconds), cpuUsPerMessage: Math.round((ownCpuUs() - cpu0) / messages * 10) / 10 } satisfies Run
})

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

interface Comparison {
  readonly name: string
  readonly unit: string
  readonly fast: ReadonlyArray<Run>
  readonly client: ReadonlyArray<Run>
}

/** The fast path and the client's, alternately, `rounds` times; which goes first alternates too. */
const compare = Effect.fn("Bench.compare")(function*<E, R>(name: string, unit: string, messages: number, fast: (round: number) => Effect.Effect<unknown, E, R>, client: (round: number) => Effect.Effect<unknown, E, R>) {
  const fastRuns: Array<Run> = [], clientRuns: Array<Run> = []
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? (["fast", "client"] as const) : (["client", "fast"] as const)
    for (const which of order) {
      const run = yield* measure(messages, which === "fast" ? fast(round) : client(round))
      ;(which === "fast" ? fastRuns : clientRuns).push(run)
      console.log(`[${name}] round ${round} ${which}: ${run.perSecond} ${unit}/s, ${run.cpuUsPerMessage} µs CPU each`)
    }
  }
  return { name, unit, fast: fastRuns, client: clientRuns } satisfies Comparison
})

const encoder = new TextEncoder()
/** About 600 bytes, like a device event or an audit entry. */
const body = (i: number) => encoder.encode(JSON.stringify({ n: i, at: new Date(1_780_000_000_000 + i).toISOString(), text: "x".repeat(540) }))

const nanos = (ms: number) => ms * 1_000_000

/** A connection of the nats.js client alone, as the test user; `coalesce` patches its writes as @wt/nats's connections are. */
const rawConnection = (url: string, access: { readonly auth: Parameters<typeof authenticatorOf>[0]; readonly inboxPrefix: string | undefined }, coalesce: boolean) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const authenticator = authenticatorOf(access.auth)
      const nc = await connect({
        servers: url,
        name: coalesce ? "bench-coalesced" : "bench-client",
        noAsyncTraces: true,
        ...(authenticator === undefined ? {} : { authenticator }),
        ...(access.inboxPrefix === undefined ? {} : { inboxPrefix: access.inboxPrefix })
      })
      if (coalesce && !coalesceWrites(nc)) throw new Error("coalesceWrites does not fit this client")
      return nc
    }),
    (nc) => Effect.promise(() => nc.close())
  )

/** PubAck-awaited publishes from fibers, `PublishWindow` at once, through `send`. */
const publishAll = (prefix: string, round: number, send: (subject: string, bytes: Uint8Array, msgId: string) => Promise<unknown>) =>
  Effect.forEach(
    Array.from({ length: publishCount }, (_, i) => i),
    (i) => Effect.promise(() => send(`bench.pub.${i % 100}`, body(i), `${prefix}-${round}-${i}`)),
    { concurrency: PublishWindow, discard: true }
  )

/** PubAcks against `js.publish`: one connection (coalesced, as every @wt/nats connection is), the same fibers. */
const pubAcks = (nats: Nats["Service"]) =>
  nats.use(async ({ nc, js }) => ({ nc, js })).pipe(Effect.flatMap(({ nc, js }) =>
    compare(
      "pub-acks",
      "publish acks",
      publishCount,
      (round) => publishAll("fast", round, (subject, bytes, msgId) => pubAcksOf(nc, nats.access.inboxPrefix).publish(subject, bytes, { msgId, timeoutMs: 5_000, attempts: 3 })),
      (round) => publishAll("client", round, (subject, bytes, msgId) => js.publish(subject, bytes, { msgID: msgId, timeout: 5_000, retries: 3 }))
    )
  ))

/** Ingest's way: batches of 1,000 awaited whole (`publishRawAll`), four at once, over a connection of the process's own or through the client. */
const ownPublish = Effect.fn("Bench.ownPublish")(function*(nats: Nats["Service"]) {
  const batches = (prefix: string, round: number, ownConnection: boolean) =>
    Effect.forEach(
      Array.from({ length: Math.ceil(publishCount / 1_000) }, (_, b) => b),
      (b) =>
        publishRawAll(
          Array.from({ length: Math.min(1_000, publishCount - b * 1_000) }, (_, j) => {
            const i = b * 1_000 + j
            return { subject: `bench.pub.${i % 100}`, bytes: body(i), options: { msgId: `${prefix}-${round}-${i}` } }
          }),
          { ownConnection }
        ).pipe(Effect.tap((results) => results.every(Result.isSuccess) ? Effect.void : Effect.die(new Error("a publish failed")))),
      { concurrency: 4, discard: true }
    ).pipe(Effect.provideService(Nats, nats))
  // The own connection opens on first use: opened before the first measured round.
  yield* batches("warm", 0, true)
  return yield* compare("own-publish", "publish acks", publishCount, (round) => batches("own", round, true), (round) => batches("shared", round, false))
})

/** One connection with the client's own flushing and one with writes coalesced, publishing through PubAcks from fibers. */
const coalescing = Effect.fn("Bench.coalescing")(function*(url: string, access: Parameters<typeof rawConnection>[1]) {
  const plain = yield* rawConnection(url, access, false)
  const coalesced = yield* rawConnection(url, access, true)
  const via = (nc: NatsConnection) => (subject: string, bytes: Uint8Array, msgId: string) =>
    pubAcksOf(nc, access.inboxPrefix).publish(subject, bytes, { msgId, timeoutMs: 5_000, attempts: 3 })
  return yield* compare(
    "coalescing",
    "publish acks",
    publishCount,
    (round) => publishAll("coalesced", round, via(coalesced)),
    (round) => publishAll("plain", round, via(plain))
  )
})

/** The bulk reader against the client's ordered consumer, over the same `readCount` messages. */
const bulkRead = compare(
  "bulk-read",
  "messages read",
  readCount,
  () => {
    let bytes = 0
    return bulkReadRange({ stream: "BENCH_READ", toSeq: readCount, onMessage: (_seq, _subject, data) => (bytes += data.length) })
  },
  () => {
    let bytes = 0
    return readRange({ stream: "BENCH_READ", toSeq: readCount, onMessage: (_seq, _subject, data) => (bytes += data.length) })
  }
)

/** Follows until `count` messages were handed over (doing `meanwhile` once it is started), then stops the follower. */
const followAll = Effect.fn("Bench.followAll")(function*<E>(count: number, start: (onEach: () => void) => Effect.Effect<never, E, Nats>, meanwhile: Effect.Effect<void> = Effect.void) {
  const done = Deferred.makeUnsafe<void>()
  let handed = 0
  const fiber = yield* Effect.forkChild(start(() => {
    if (++handed === count) Deferred.doneUnsafe(done, Exit.void)
  }))
  yield* meanwhile
  yield* Deferred.await(done)
  yield* Fiber.interrupt(fiber)
})

/**
 * The device frame writers' follower (bulkFollow, a connection of its own) against the client's
 * (followPushed), over the same `readCount` messages; as a writer does, each message's bytes are copied.
 */
const bulkFollowing = compare(
  "bulk-follow",
  "messages followed",
  readCount,
  () => followAll(readCount, (onEach) => bulkFollow({ stream: "BENCH_READ", filterSubject: "bench.read.>", fromSeq: 1, onMessage: (_seq, _subject, data) => {
    Buffer.from(data)
    onEach()
  } })),
  () => followAll(readCount, (onEach) => followPushed({
    reader: "bench-follow",
    stream: "BENCH_READ",
    filterSubject: "bench.read.>",
    from: { seq: 1 },
    onOpened: () => undefined,
    onLost: () => undefined,
    onMessage: () => onEach()
  }))
)

/** Messages each live follower reads: three seconds at the trickle rate. */
const liveCount = () => trickleRate * 3

/**
 * Stores `liveCount()` messages on `bench.live.<round>.<i % 100>` at `trickleRate` a second (a batch every
 * 10 ms) while `follow` reads that round's subject from its start, and waits for every message to be read.
 */
const followLive = Effect.fn("Bench.followLive")(function*<E>(
  round: number,
  which: string,
  follow: (filter: string, fromSeq: number, onEach: () => void) => Effect.Effect<never, E, Nats>
) {
  const nats = yield* Nats
  const total = liveCount()
  const filter = `bench.live.${which}${round}.>`
  const fromSeq = (yield* nats.streamInfo("BENCH_LIVE")).state.last_seq + 1
  const publish = nats.use(async ({ nc }) => {
    const perBatch = Math.max(1, Math.round(trickleRate / 100))
    for (let sent = 0; sent < total;) {
      for (let k = 0; k < perBatch && sent < total; k++, sent++) nc.publish(`bench.live.${which}${round}.${sent % 100}`, body(sent))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }).pipe(Effect.orDie)
  yield* followAll(total, (onEach) => follow(filter, fromSeq, onEach), publish)
})

/** The same two followers reading as messages are stored, a few at a time, as the frame writers do most of the time. */
const bulkFollowingLive = Effect.suspend(() => compare(
  "bulk-follow-live",
  "messages followed",
  liveCount(),
  (round) => followLive(round, "f", (filterSubject, fromSeq, onEach) => bulkFollow({ stream: "BENCH_LIVE", filterSubject, fromSeq, onMessage: (_seq, _subject, data) => {
    Buffer.from(data)
    onEach()
  } })),
  (round) => followLive(round, "c", (filterSubject, fromSeq, onEach) => followPushed({
    reader: "bench-follow-live",
    stream: "BENCH_LIVE",
    filterSubject,
    from: { seq: fromSeq },
    onOpened: () => undefined,
    onLost: () => undefined,
    onMessage: () => onEach()
  }))
))

const fill = Effect.fn("Bench.fill")(function*(nats: Nats["Service"], stream: string, subject: string, count: number) {
  yield* nats.addStream({ name: stream, subjects: [`${subject}.>`], storage: "file" })
  yield* nats.use(async ({ nc }) => {
    for (let i = 1; i <= count; i++) {
      nc.publish(`${subject}.${i % 100}`, body(i))
      if (i % 2_000 === 0) await nc.flush()
    }
    await nc.flush()
  })
  const info = yield* nats.streamInfo(stream)
  if (info.state.messages !== count) return yield* Effect.die(new Error(`${stream} holds ${info.state.messages} of ${count}`))
})

const wanted = (name: string) => values.only === undefined || values.only === name

const program = Effect.gen(function*() {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-bench-fast-paths-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const server = yield* startEmbeddedNats({ dataDir, readyTimeoutMs: 20_000, testUser: true })
  const access = server.access!(TestUser)
  const nats = yield* makeNats({ url: server.url, name: "wt-bench-fast-paths", ...access })
  console.log(`nats-server at ${server.url}; ${rounds} rounds, alternately`)
  const results: Array<Comparison> = []
  if (wanted("pub-acks") || wanted("coalescing")) yield* nats.addStream({ name: "BENCH_PUB", subjects: ["bench.pub.>"], storage: "file", duplicate_window: nanos(120_000) })
  if (wanted("pub-acks")) results.push(yield* pubAcks(nats))
  if (wanted("own-publish")) {
    if (!wanted("pub-acks") && !wanted("coalescing")) yield* nats.addStream({ name: "BENCH_PUB", subjects: ["bench.pub.>"], storage: "file", duplicate_window: nanos(120_000) })
    results.push(yield* ownPublish(nats))
  }
  if (wanted("coalescing")) results.push(yield* coalescing(server.url, access))
  if (wanted("bulk-read") || wanted("bulk-follow")) yield* fill(nats, "BENCH_READ", "bench.read", readCount)
  if (wanted("bulk-read")) results.push(yield* bulkRead.pipe(Effect.provideService(Nats, nats)))
  if (wanted("bulk-follow")) results.push(yield* bulkFollowing.pipe(Effect.provideService(Nats, nats)))
  if (wanted("bulk-follow-live")) {
    yield* nats.addStream({ name: "BENCH_LIVE", subjects: ["bench.live.>"], storage: "file" })
    results.push(yield* bulkFollowingLive.pipe(Effect.provideService(Nats, nats)))
  }
  console.log("\nmedians (fast path against the client's own path):")
  for (const r of results) {
    const fast = median(r.fast.map((x) => x.perSecond)), client = median(r.client.map((x) => x.perSecond))
    const fastCpu = median(r.fast.map((x) => x.cpuUsPerMessage)), clientCpu = median(r.client.map((x) => x.cpuUsPerMessage))
    console.log(
      `${r.name}: ${fast} against ${client} ${r.unit}/s (${fast >= client ? "+" : ""}${Math.round((fast / client - 1) * 100)} %); ` +
        `CPU ${fastCpu} against ${clientCpu} µs each (${fastCpu <= clientCpu ? "-" : "+"}${Math.abs(Math.round((fastCpu / clientCpu - 1) * 100))} %)`
    )
  }
  console.log(JSON.stringify(results))
})

await Effect.runPromise(Effect.scoped(program).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
