/**
 * `pnpm bench --cluster [--quick]`: the pipeline on the three-node cluster (TLS, R3 streams),
 * in one run:
 *   raw R3     raw JetStream publishes of the same events into an R3 stream configured like
 *              WT_DEVICE, one client (the `test` user), windowed: what the cluster itself takes
 *   1 copy     HTTP ingest → every consumer drained, with one copy of each consumer, and the P1
 *              delay (gateway receipt → console live stream) of care alarms sent meanwhile
 *   2 copies   the same with a second copy of each consumer (triage, triage-bulk, supervision,
 *              projector, audit, dispatch), sharing their durables
 * Writes bench-results/cluster.json.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Result } from "effect"
import { type DeviceEvent, deviceEventKey, Streams } from "@wt/contracts"
import type { ServiceName } from "@wt/launcher"
import { Nats } from "@wt/nats"
import { demoSimFleet, deviceSubject, makeFleetEvents } from "@wt/sim-devices"
import { signIn } from "../support/http.ts"
import { startInstallation } from "../support/system.ts"
import { addLanes, DeviceConsumerServices, deviceProgressSince, emptyLaneCounts } from "./consumer-progress.ts"
import { startCpuMeter } from "./cpu-usage.ts"
import { waitDrained } from "./consumer-watch.ts"
import { round1 } from "./figures.ts"
import { benchIngestLimits } from "./ingest-limits.ts"
import { emptyTotals, inBatches, postBatches } from "./ingest-load.ts"
import { makeP1Prober, phaseSummary } from "./p1-probe.ts"
import { publishWindowed } from "./raw-publish.ts"

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  // `pnpm bench --cluster` or `pnpm bench cluster`: either way here.
  options: { quick: { type: "boolean", default: false }, cluster: { type: "boolean", default: true } },
  allowPositionals: true,
  strict: true
})

const plan = flags.quick
  ? { mode: "quick", rawEvents: 20_000, pipelineEvents: 10_000, drainTimeoutMs: 5 * 60_000 }
  : { mode: "full", rawEvents: 100_000, pipelineEvents: 50_000, drainTimeoutMs: 15 * 60_000 }

/** The processes that consume a stream with a durable (copies split its messages); the gateway, receivers and console are not among them. */
const Consumers: ReadonlyArray<ServiceName> = ["triage", "triage-bulk", "supervision", "projector", "audit", "dispatch"]
const Batch = 1000
const Senders = 4
const PublishWindow = 1000
const P1IntervalMs = 100
const Residents = 300
const resultsDir = join(process.cwd(), "bench-results")
const encoder = new TextEncoder()
const log = (line: string) => process.stdout.write(`[bench cluster ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

const normalEvents = (count: number, seed: number): Array<DeviceEvent> => {
  const made = makeFleetEvents(demoSimFleet({ residents: Residents }), { seed, idSalt: Date.now() & 0xffff, mix: "normal" })
  if (Result.isFailure(made)) throw new Error(made.failure.reason)
  const start = Date.now() - 3_600_000
  const step = 3_600_000 / count
  return Array.from({ length: count }, (_, i) => made.success.next(start + i * step))
}

/** Each node's own counters (`/varz` messages in and out, `/jsz` JetStream API calls): what the nodes did, not only how long. */
const serverCounters = (nodes: ReadonlyArray<{ readonly name: string; readonly monitorUrl: string }>) =>
  Effect.forEach(nodes, (node) =>
    Effect.promise(async () => {
      const get = (path: string) => fetch(`${node.monitorUrl}${path}`).then((r) => r.json() as Promise<Record<string, unknown>>).catch(() => ({} as Record<string, unknown>))
      const varz = await get("/varz")
      const jsz = await get("/jsz")
      const api = (jsz["api"] ?? {}) as { total?: number; errors?: number }
      return [node.name, { in_msgs: Number(varz["in_msgs"] ?? 0), out_msgs: Number(varz["out_msgs"] ?? 0), api: api.total ?? 0, api_errors: api.errors ?? 0 }] as const
    }))

const perEventDelta = (
  before: ReadonlyArray<readonly [string, Record<string, number>]>,
  after: ReadonlyArray<readonly [string, Record<string, number>]>,
  events: number
): Record<string, Record<string, number>> =>
  Object.fromEntries(after.map(([name, counters]) => {
    const was = before.find(([n]) => n === name)?.[1] ?? {}
    return [name, Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, Math.round(((v - (was[k] ?? 0)) / Math.max(1, events)) * 100) / 100]))]
  }))

const program = Effect.gen(function*() {
  const runStarted = Date.now()
  mkdirSync(resultsDir, { recursive: true })
  log(`${plan.mode} run: three nats-server nodes (TLS, R3 streams), a fresh database, two copies of each consumer`)
  const sys = yield* startInstallation({
    label: "bench-cluster",
    cluster: true,
    testUser: true,
    residents: Residents,
    // The fleet's own heartbeats are not sent: a long interval keeps absence supervision quiet.
    heartbeatIntervalS: 86_400,
    poolMax: 4,
    copies: Object.fromEntries(Consumers.map((n) => [n, 2])),
    env: benchIngestLimits,
    onLine: () => undefined
  })
  log(`system ready after ${round1((Date.now() - runStarted) / 1000)} s`)
  const fleet = demoSimFleet({ residents: Residents })

  return yield* Effect.gen(function*() {
    const nats = yield* Nats

    // ── raw JetStream publish at R3, as the all-rights test user ──
    const device = yield* Effect.orDie(nats.streamInfo(Streams.device))
    const rawStream = "BENCH_R3"
    yield* Effect.orDie(nats.addStream({ ...device.config, name: rawStream, subjects: ["bench.r3.>"], num_replicas: 3, description: "pnpm bench --cluster raw publish" }))
    const receivedAt = new Date().toISOString()
    const rawMessages = normalEvents(plan.rawEvents, 1).map((e) => ({
      subject: `bench.r3.${deviceSubject(e)}`,
      bytes: encoder.encode(JSON.stringify({ ...e, receivedAt })),
      msgId: deviceEventKey(e)
    }))
    log(`raw R3: publishing ${rawMessages.length} events straight to an R3 stream, window ${PublishWindow}`)
    const t0 = Date.now()
    const raw = yield* publishWindowed(nats, rawMessages, PublishWindow)
    const rawMs = Date.now() - t0
    yield* Effect.orDie(nats.deleteStream(rawStream))
    const rawEps = Math.round(raw.stored / (rawMs / 1000))
    log(`raw R3: ${rawEps} events/s (${raw.stored} stored, ${raw.failed} failed)`)

    const token = yield* signIn(sys.consoleUrl, "operator", sys.password)
    const prober = yield* makeP1Prober({ consoleUrl: sys.consoleUrl, ingestUrl: sys.ingestUrl, ingestKey: sys.ingestKey, token, fleet })
    yield* prober.run({ count: 20, intervalMs: 50, waitMs: 10_000 })

    const serviceUrls = () => DeviceConsumerServices.flatMap((name) => sys.services.copies[name].map((p) => p.url))
    /** One phase: events over HTTP until every consumer has drained them, care alarms probed meanwhile. */
    const phase = Effect.fn("Bench.phase")(function*(copies: number, seed: number) {
      // The alarms before this phase are answered 5 s after each: done before it is measured, so their
      // claims and resolves are not counted against its events (as in system-bench.ts).
      if (!(yield* prober.answeredAll(15_000))) log("the operator had not answered every earlier alarm within 15 s")
      const events = normalEvents(plan.pipelineEvents, seed)
      const totals = emptyTotals()
      const stored = emptyLaneCounts()
      const progress = yield* deviceProgressSince(serviceUrls(), () => stored)
      log(`${copies} ${copies === 1 ? "copy" : "copies"} of each consumer: ${events.length} events (normal mix) over HTTP, batches of ${Batch}, ${Senders} senders`)
      const started = Date.now()
      // CPU per event of each process, summed over a service's copies and over the nodes.
      const pids = (): Record<string, number | undefined> => ({
        ...Object.fromEntries(Object.entries(sys.services.copies).flatMap(([name, copies]) => copies.map((c, i) => [`${name}#${i + 1}`, c.pid()]))),
        ...Object.fromEntries(sys.cluster!.nodes.map((n) => [n.name, n.pid()]))
      })
      const cpu = startCpuMeter(pids)
      const serverBefore = yield* serverCounters(sys.cluster!.nodes)
      let drained = false
      // When the gateways had answered every batch: a pipeline slower than ingest drains after it.
      let ingestedMs = 0
      const [p1, drain] = yield* Effect.all([
        prober.run({ count: 100_000, intervalMs: P1IntervalMs, waitMs: 15_000, until: () => drained }),
        postBatches({ ingestUrl: sys.ingestUrl, ingestKey: sys.ingestKey, batches: inBatches(events, Batch), concurrency: Senders, totals }).pipe(
          Effect.andThen(Effect.sync(() => {
            ingestedMs = Date.now() - started
            addLanes(stored, events)
          })),
          Effect.andThen(waitDrained({ startMs: started, timeoutMs: plan.drainTimeoutMs, progress, onProgressDone: () => { drained = true } })),
          Effect.ensuring(Effect.sync(() => { drained = true }))
        )
      ], { concurrency: "unbounded" })
      const doneMs = (drain.drainedAtMs ?? Date.now()) - started
      const cpuByProcess = cpu.perEvent(totals.accepted)
      const serverWork = perEventDelta(serverBefore, yield* serverCounters(sys.cluster!.nodes), totals.accepted)
      const eps = Math.round(totals.accepted / (doneMs / 1000))
      const p1Summary = phaseSummary(p1)
      log(`${copies} ${copies === 1 ? "copy" : "copies"}: ${totals.accepted} accepted in ${round1(ingestedMs / 1000)} s, ${drain.drainedAtMs === undefined ? "NOT drained" : "drained"} after ${round1(doneMs / 1000)} s → ${eps} events/s; ` +
        `P1 during it (${p1.sent}): p50 ${p1Summary.accepted_to_stream.p50} ms, p99 ${p1Summary.accepted_to_stream.p99} ms, missing ${p1.missing}; ` +
        `CPU µs per event ${JSON.stringify(cpuByProcess)}; per event on the nodes ${JSON.stringify(serverWork)}`)
      return {
        copies,
        events: events.length,
        accepted: totals.accepted,
        rejected: totals.rejected,
        failed_batches: totals.failedBatches,
        drained: drain.drainedAtMs !== undefined,
        ingested_s: round1(ingestedMs / 1000),
        end_to_end_s: round1(doneMs / 1000),
        cpu_us_per_event: cpuByProcess,
        server_work_per_event: serverWork,
        pipeline_eps: eps,
        consumer_last_busy_s: drain.lastBusyS,
        p1: p1Summary
      }
    })

    // The second copies wait while one copy of each consumer does the work.
    yield* Effect.forEach(Consumers, (n) => sys.services.copies[n][1]!.kill("SIGTERM"), { concurrency: "unbounded", discard: true })
    const one = yield* phase(1, 2)
    yield* Effect.forEach(Consumers, (n) => sys.services.copies[n][1]!.restart, { concurrency: "unbounded", discard: true })
    const two = yield* phase(2, 3)

    const results = {
      mode: plan.mode,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "?", memory_mb: Math.round(totalmem() / 1048576), node: process.version },
      cluster: { nodes: sys.cluster!.nodes.map((n) => n.name), replicas: 3, tls: true },
      raw_r3_publish_eps: rawEps,
      pipeline_eps_one_copy: one.pipeline_eps,
      pipeline_eps_two_copies: two.pipeline_eps,
      p1_p99_one_copy_ms: one.p1.accepted_to_stream.p99,
      p1_p99_two_copies_ms: two.p1.accepted_to_stream.p99,
      details: {
        raw: { events: rawMessages.length, stored: raw.stored, failed: raw.failed, seconds: round1(rawMs / 1000), window: PublishWindow },
        consumers_doubled: Consumers,
        one_copy: one,
        two_copies: two,
        run_s: round1((Date.now() - runStarted) / 1000)
      }
    }
    writeFileSync(join(resultsDir, "cluster.json"), JSON.stringify(results, null, 2) + "\n")
    log(`wrote bench-results/cluster.json (run took ${results.details.run_s} s)`)
    const { details: _details, ...headline } = results
    process.stdout.write(JSON.stringify(headline, null, 2) + "\n")
  }).pipe(Effect.provide(Nats.layerWith({ url: sys.natsUrl, name: "wt-bench-cluster", ...sys.natsAccess("test") })))
})

NodeRuntime.runMain(Effect.scoped(program))
