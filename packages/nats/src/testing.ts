import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream"
import { Subjects } from "@wt/contracts"
import { Clock, Context, Effect, Layer, References, Result, Schedule } from "effect"
import { clientOf } from "./client.ts"
import { defaultNatsSettings, NatsConfig } from "./config.ts"
import { Nats } from "./connection.ts"
import { startEmbeddedNats } from "./embedded.ts"
import { type LocalUser, type NatsClientAccess, TestUser } from "./local-security.ts"
import { publishRawAll } from "./publish.ts"
import { provisionStreams } from "./streams.ts"

/** A fresh nats-server on a free port, its store in a temp directory removed afterwards. */
export class NatsTestServer extends Context.Service<NatsTestServer, {
  readonly url: string
  readonly dataDir: string
  /** How each installation user (and the all-rights `test` user the tests connect as) connects. */
  readonly access: (user: LocalUser) => NatsClientAccess
}>()("wt/NatsTestServer") {
  static readonly layer = Layer.effect(
    NatsTestServer,
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-nats-test-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      // The installation's users and permissions, as everywhere; the tests themselves play every part at once, as `test`.
      const server = yield* startEmbeddedNats({ dataDir, readyTimeoutMs: 20_000, testUser: true })
      return NatsTestServer.of({ url: server.url, dataDir, access: server.access! })
    })
  )

  /**
   * `Nats` connected to a fresh server with the four streams provisioned, plus
   * `NatsConfig` (defaults, pointing at it) and `NatsTestServer`. Use one per test file:
   * `layer(NatsTestServer.layerNats, { excludeTestServices: true })`.
   */
  static readonly layerNats = Layer.effectDiscard(
    // "stream created" four times per test file is noise.
    provisionStreams.pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
  ).pipe(
    Layer.provideMerge(Nats.layer),
    Layer.provideMerge(
      Layer.effect(NatsConfig, NatsTestServer.useSync((server) => ({ ...defaultNatsSettings, url: server.url, name: "wt-test", ...server.access(TestUser) })))
    ),
    Layer.provideMerge(NatsTestServer.layer)
  )
}

/**
 * Reads until `check` holds, for a test waiting on what another fiber, process or server writes.
 * A read that fails (not readable yet, e.g. a consumer still being created) is tried again; after
 * `timeoutMs` (default 10 s) it dies naming `what` and the last failure.
 */
export const eventually = Effect.fn("NatsTesting.eventually")(function*<A, E, R>(
  read: Effect.Effect<A, E, R>,
  check: (a: A) => boolean,
  what: string,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number } = {}
): Effect.fn.Return<A, never, R> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
  // Every intervalMs until a read succeeds and passes the check, or the deadline has passed
  // (`check` is asked once per read).
  const last = yield* Effect.result(read).pipe(
    Effect.map((result) => ({ result, held: Result.isSuccess(result) && check(result.success) })),
    Effect.repeat({
      schedule: Schedule.spaced(options.intervalMs ?? 20).pipe(Schedule.while(({ now }) => now <= deadline)),
      until: ({ held }) => held
    })
  )
  if (last.held && Result.isSuccess(last.result)) return last.result.success
  const failed = Result.isFailure(last.result) ? `; last read failed: ${String(last.result.failure)}` : ""
  return yield* Effect.die(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${failed}`))
})

/** Waits until `holds()` is true: {@link eventually} of a condition in memory. */
export const until = (holds: () => boolean, what: string, options?: { readonly timeoutMs?: number; readonly intervalMs?: number }) =>
  Effect.asVoid(eventually(Effect.sync(holds), (held) => held, what, options))

/**
 * A durable on WT_DEVICE as a reader of an older version left it: explicit acks, every message of
 * its filter before `next` acknowledged (for tests of moving from it, e.g. to device frames).
 */
export const durableAckedUpTo = (name: string, filterSubject: string, next: number) =>
  Nats.use((nats) =>
    Effect.promise(async () => {
      const { js, jsm } = clientOf(nats)
      await jsm.consumers.add("WT_DEVICE", { durable_name: name, filter_subject: filterSubject, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All })
      const consumer = await js.consumers.get("WT_DEVICE", name)
      for await (const m of await consumer.fetch({ max_messages: 1_000, expires: 2_000 })) {
        if (m.seq < next) await m.ackAck()
        if (m.seq >= next - 1) break
      }
    })
  )

const testLanes = ["alarm", "tech", "telemetry"] as const
const testTypes = { alarm: "safety_alarm", tech: "technical", telemetry: "gps" } as const
let testEventsStored = 0

/**
 * `count` small device events stored on WT_DEVICE, spread over the three lanes in turn (two
 * tenants, 17 devices); their sequences by lane. Fails the test if one is not stored.
 */
export const storeLaneEvents = Effect.fn("test.storeLaneEvents")(function*(count: number) {
  const batch = Array.from({ length: count }, () => {
    const n = testEventsStored++
    const lane = testLanes[n % 3]!
    return { lane, n, subject: Subjects.device(n % 2 === 0 ? "demo" : "other", lane, testTypes[lane], `dev-${n % 17}`) }
  })
  const results = yield* publishRawAll(batch.map(({ n, subject }) => ({ subject, bytes: new TextEncoder().encode(`{"n":${n}}`), options: { msgId: `ev-${n}` } })))
  const seqs: Record<(typeof testLanes)[number], Array<number>> = { alarm: [], tech: [], telemetry: [] }
  for (let i = 0; i < results.length; i++) {
    const result = results[i]!
    if (Result.isFailure(result)) return yield* Effect.die(new Error(`test event ${batch[i]!.n} not stored: ${result.failure.message}`))
    seqs[batch[i]!.lane].push(result.success.seq)
  }
  return seqs
})

/** The nats.js clients behind `Nats`, for a test that sets up what services never do themselves (an old durable, acks by hand). */
export { clientOf } from "./client.ts"
export { consumerHandledCount } from "./consumer-metrics.ts"
