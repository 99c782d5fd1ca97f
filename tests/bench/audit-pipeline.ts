/**
 * What sealing costs the pipeline: the same load (normal mix over HTTP ingest, until
 * every durable consumer on WT_DEVICE and WT_INCIDENT, the audit writers' included, has
 * drained) through a fresh installation with the audit service sealing, and through one
 * with `WT_AUDIT_SEALING=false`; rounds alternate the order so a change in machine load
 * does not favour either.
 */
import type { DeviceEvent } from "@wt/contracts"
import { readLastSeal, streamBounds } from "@wt/audit-log"
import { Streams } from "@wt/contracts"
import { ServiceNames } from "@wt/launcher"
import { demoSimFleet, makeFleetEvents } from "@wt/sim-devices"
import { Effect, Option, Result } from "effect"
import { mkdirSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { benchNats, startBenchSystem } from "./bench-system.ts"
import { DeviceConsumerServices, deviceProgressSince } from "./consumer-progress.ts"
import { waitDrained } from "./consumer-watch.ts"
import { emptyTotals, inBatches, postBatches } from "./ingest-load.ts"

const Residents = 300
const Batch = 1000
const Senders = 4

const events = (count: number, seed: number): Array<DeviceEvent> => {
  const made = makeFleetEvents(demoSimFleet({ residents: Residents }), { seed, idSalt: (Date.now() + seed) & 0xffff, mix: "normal" })
  if (Result.isFailure(made)) throw new Error(made.failure.reason)
  const start = Date.now() - 3_600_000
  return Array.from({ length: count }, (_, i) => made.success.next(start + (i * 3_600_000) / count))
}

/** The nats-server serving `url`: its `-c <store>/nats.conf` sits beside the server.json naming its url. */
const natsServerPid = (url: string): number | undefined => {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      const conf = args[args.indexOf("-c") + 1]
      if (!args[0]?.endsWith("nats-server") || conf === undefined) continue
      const record = JSON.parse(readFileSync(join(dirname(conf), "server.json"), "utf8")) as { url?: string }
      if (record.url === url) return Number(pid)
    } catch {
      // gone, or not ours
    }
  }
  return undefined
}

/** CPU time (µs) the processes have used so far, from /proc. */
const cpuMicros = (pids: ReadonlyArray<number | undefined>) =>
  pids.reduce<number>((sum, pid) => {
    if (pid === undefined) return sum
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
      return sum + ((Number(fields[11]) + Number(fields[12])) / 100) * 1_000_000
    } catch {
      return sum
    }
  }, 0)

export interface PipelineRun {
  readonly sealing: boolean
  readonly accepted: number
  readonly eventsPerSecond: number
  readonly drained: boolean
  /** CPU of every service and the nats-server per accepted event, until drained (and, with sealing, until all is sealed). */
  readonly cpuMicrosPerEvent: number
  /** The same, per service process and the nats-server: where sealing's cost lands. */
  readonly cpuMicrosPerEventByProcess: Readonly<Record<string, number>>
  /** Audit entries the pipeline wrote per accepted event (what the sealer has to seal). */
  readonly auditEntriesPerEvent: number
  /** With sealing: how long after the pipeline drained the last audit entry was sealed. */
  readonly sealedAfterDrainMs?: number
}

const runOnce = (sealing: boolean, count: number, seed: number) =>
  Effect.scoped(Effect.gen(function*() {
    mkdirSync("bench-results", { recursive: true })
    const system = yield* startBenchSystem({
      residents: Residents,
      env: { WT_AUDIT_SEALING: sealing ? "true" : "false" },
      logFile: join("bench-results", `services-audit-sealing-${sealing ? "on" : "off"}.log`)
    })
    return yield* Effect.gen(function*() {
      // Warm-up, not counted: cold code paths, connections, caches.
      // Followed through the services' metrics: consumer info polled 4 times a second made
      // nats-server 2.9 recount pending messages subject by subject (see consumer-progress.ts).
      const serviceUrls = DeviceConsumerServices.map((name) => system.services[name].url)
      const warmUp = emptyTotals()
      const warmUpProgress = yield* deviceProgressSince(serviceUrls, () => warmUp.stored)
      yield* postBatches({ ingestUrl: system.ingestUrl, ingestKey: system.ingestKey, batches: inBatches(events(2_000, seed + 100), Batch), concurrency: Senders, totals: warmUp })
      yield* waitDrained({ startMs: Date.now(), timeoutMs: 120_000, progress: warmUpProgress })
      const totals = emptyTotals()
      const progress = yield* deviceProgressSince(serviceUrls, () => totals.stored)
      const named: ReadonlyArray<readonly [string, number | undefined]> = [
        ...ServiceNames.map((name) => [name, system.services[name].pid()] as const),
        ["nats-server", natsServerPid(system.natsUrl)]
      ]
      const cpu0ByProcess = named.map(([, pid]) => cpuMicros([pid]))
      const entriesBefore = (yield* streamBounds(Streams.audit)).lastSeq
      const t0 = Date.now()
      yield* postBatches({ ingestUrl: system.ingestUrl, ingestKey: system.ingestKey, batches: inBatches(events(count, seed), Batch), concurrency: Senders, totals })
      const drain = yield* waitDrained({ startMs: t0, timeoutMs: 10 * 60_000, intervalMs: 200, progress })
      const doneAt = drain.drainedAtMs ?? Date.now()
      let sealedAfterDrainMs: number | undefined
      if (sealing) {
        const last = (yield* streamBounds(Streams.audit)).lastSeq
        while (Option.match(yield* readLastSeal(), { onNone: () => 0, onSome: (s) => s.seal.toSeq }) < last && Date.now() - doneAt < 60_000) {
          yield* Effect.sleep("100 millis")
        }
        sealedAfterDrainMs = Math.max(0, Date.now() - doneAt)
      }
      // Each process read once: the total is their sum.
      const usedByProcess = named.map(([, pid], i) => cpuMicros([pid]) - cpu0ByProcess[i]!)
      const perEvent = (micros: number) => Math.round(micros / Math.max(1, totals.accepted))
      const cpuMicrosPerEvent = perEvent(usedByProcess.reduce((a, b) => a + b, 0))
      const cpuMicrosPerEventByProcess = Object.fromEntries(named.map(([name], i) => [name, perEvent(usedByProcess[i]!)]))
      const auditEntriesPerEvent = Math.round((((yield* streamBounds(Streams.audit)).lastSeq - entriesBefore) / Math.max(1, totals.accepted)) * 100) / 100
      return {
        sealing,
        accepted: totals.accepted,
        eventsPerSecond: Math.round(totals.accepted / ((doneAt - t0) / 1000)),
        drained: drain.drainedAtMs !== undefined,
        cpuMicrosPerEvent,
        cpuMicrosPerEventByProcess,
        auditEntriesPerEvent,
        ...(sealedAfterDrainMs === undefined ? {} : { sealedAfterDrainMs })
      } satisfies PipelineRun
    }).pipe(Effect.provide(benchNats(system)))
  }))

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export const sealingCostBench = Effect.fn("Bench.sealingCostBench")(function*(options: { readonly events: number; readonly rounds: number; readonly log: (line: string) => void }) {
  const runs: Array<PipelineRun> = []
  for (let round = 0; round < options.rounds; round++) {
    for (const sealing of round % 2 === 0 ? [true, false] : [false, true]) {
      // A fresh installation on a busy machine sometimes misses its readiness deadline: try again.
      const run = yield* runOnce(sealing, options.events, round + 1).pipe(
        Effect.tapError((error) => Effect.sync(() => options.log(`pipeline run failed (${String(error)}); trying again`))),
        Effect.retry({ times: 2 })
      )
      options.log(`pipeline with sealing ${sealing ? "on " : "off"}: ${run.eventsPerSecond} events/s, ${run.cpuMicrosPerEvent} µs CPU per event ${JSON.stringify(run.cpuMicrosPerEventByProcess)} (${run.accepted} accepted, ${run.auditEntriesPerEvent} audit entries per event${run.drained ? "" : ", NOT drained"}${run.sealedAfterDrainMs === undefined ? "" : `; all sealed ${run.sealedAfterDrainMs} ms after the drain`})`)
      runs.push(run)
    }
  }
  const on = median(runs.filter((r) => r.sealing).map((r) => r.eventsPerSecond))
  const off = median(runs.filter((r) => !r.sealing).map((r) => r.eventsPerSecond))
  const cpuOn = median(runs.filter((r) => r.sealing).map((r) => r.cpuMicrosPerEvent))
  const cpuOff = median(runs.filter((r) => !r.sealing).map((r) => r.cpuMicrosPerEvent))
  return {
    eventsPerRun: options.events,
    rounds: options.rounds,
    runs,
    medianEventsPerSecond: { sealingOn: on, sealingOff: off },
    // Positive: throughput sealing takes away. Within noise of the machine when small.
    sealingCostPct: Math.round(((off - on) / off) * 1000) / 10,
    medianCpuMicrosPerEvent: { sealingOn: cpuOn, sealingOff: cpuOff },
    auditEntriesPerEvent: median(runs.map((r) => r.auditEntriesPerEvent)),
    // The pipeline is CPU-bound on this machine, so throughput falls as CPU per event rises:
    // the share sealing adds is its cost to throughput, and unlike events/s it does not
    // swing with whatever else the machine runs.
    sealingCostByCpuPct: Math.round(((cpuOn - cpuOff) / cpuOn) * 1000) / 10
  }
})
