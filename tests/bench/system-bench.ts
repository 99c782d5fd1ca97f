/**
 * `pnpm bench [--quick] [--profile]`: the whole system on this machine, one run.
 *   baseline  raw JetStream publishes of the same events, one process, windowed
 *   pipeline  HTTP ingest → triage decision → audit (and incidents → projector), until every consumer is drained
 *   P1        care alarm accepted by ingest → on the console's live stream, idle / behind a telemetry backlog / in a storm
 *   storm     N devices flushing their outage buffers at once: drain time, P1 latency, events lost
 *   RSS       peak resident memory of each service process
 * Writes bench-results/latest.json and latest.html.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Option, Result } from "effect"
import { deviceEventKey, laneOfEvent, Streams, Subjects } from "@wt/contracts"
import { readStormLedger } from "@wt/incident-store"
import { DefaultEscalationLimits } from "@wt/incident"
import { freePort, isProcessAlive, Nats, readLastOnSubject } from "@wt/nats"
import { demoSimFleet, deviceSubject, makeFleetEvents, type SimFleet } from "@wt/sim-devices"
import type { DeviceEvent } from "@wt/contracts"
import { signIn } from "../support/http.ts"
import { benchNats, startBenchSystem } from "./bench-system.ts"
import { addLanes, DeviceConsumerServices, deviceProgressSince, emptyLaneCounts, type LaneCounts, scrapeFamily } from "./consumer-progress.ts"
import { auditedDeviceEvents } from "./audited-events.ts"
import { type DrainSample, drainSampleOf, streamState, waitDrained } from "./consumer-watch.ts"
import { percentile, round1 } from "./figures.ts"
import { emptyTotals, inBatches, postBatches, startIngestWorker } from "./ingest-load.ts"
import { describeEscalation, makeP1Prober, phaseSummary } from "./p1-probe.ts"
import { publishWindowed, type RawMessage } from "./raw-publish.ts"
import { writeReport } from "./report-html.ts"
import { startRssSampler } from "./rss-sampler.ts"
import { natsServerPid, servicePids, startCpuMeter, waitUntilQuiet } from "./cpu-usage.ts"
import { lookAtTraffic, trafficPerEvent } from "./server-traffic.ts"
import { stormEvents } from "./storm-events.ts"
import { heapCapMbOf, type ServiceName, ServiceNames } from "@wt/launcher"

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { quick: { type: "boolean", default: false }, profile: { type: "boolean", default: false }, cluster: { type: "boolean", default: false } },
  strict: true
})

const Full = {
  mode: "full",
  baselineEvents: 300_000,
  pipelineEvents: 300_000,
  idleP1: 300,
  backlogEvents: 1_000_000,
  stormDevices: 100_000,
  bufferedPerDevice: 3,
  drainTimeoutMs: 15 * 60_000
} as const
const Quick = {
  mode: "quick",
  baselineEvents: 50_000,
  pipelineEvents: 20_000,
  idleP1: 100,
  backlogEvents: 100_000,
  stormDevices: 10_000,
  bufferedPerDevice: 2,
  drainTimeoutMs: 60_000
} as const
const plan = flags.quick ? Quick : Full

const Batch = 1000
const Senders = 4
const StormSenders = 16
const PublishWindow = 1000
const P1IntervalMs = 50
// Progress comes from the services' metrics every SamplePollMs; the consumers are listed only to
// confirm a drain (see waitDrained). Listed once a second they were 87 % of nats-server's CPU;
// every 5 s, each listing still held the probes' care alarms back.
const SamplePollMs = 200
/** Waits for a phase's drain with the run's timeout and polling. */
const drainOf = (options: Pick<Parameters<typeof waitDrained>[0], "startMs" | "progress" | "onSample" | "onProgressDone">) =>
  waitDrained({ ...options, timeoutMs: plan.drainTimeoutMs, intervalMs: SamplePollMs })
const WarmUpP1 = 20
/** How long the system is left alone to measure what it costs at rest. */
const RestMs = 5_000
/** The services' CPU, all together, below which the machine counts as left to the baseline (at rest they spend about 80 ms a second). */
const QuietMsPerS = 150
/** Seconds in a row the services must stay below QuietMsPerS before the baseline. */
const QuietSeconds = 3
const QuietWaitMs = 90_000
const resultsDir = join(process.cwd(), "bench-results")

const encoder = new TextEncoder()
const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const seconds = (ms: number) => round1(ms / 1000)

/**
 * How far behind now the absence watch judged over a phase, from the drain's samples (every
 * SamplePollMs; the watch looks every 2 s). A device whose deadline passes is raised only once the
 * watch judges past it: up to this much later, and a look. At rest it is the flush and settle (1.5 s).
 */
const judgedBehindOf = (samples: ReadonlyArray<DrainSample>) => {
  const values = samples.flatMap((s) => (s.judgedBehindS === undefined ? [] : [s.judgedBehindS])).sort((a, b) => a - b)
  if (values.length === 0) return null
  return { max_s: round1(values.at(-1)!), p50_s: round1(percentile(values, 50)!), samples: values.length }
}

const describeJudgedBehind = (judged: ReturnType<typeof judgedBehindOf>) =>
  judged === null ? "nothing (no samples)" : `at most ${judged.max_s} s behind now (median ${judged.p50_s} s, ${judged.samples} samples)`

/**
 * Each scraped service's largest V8 heap in use over a phase (MB, from the drain's samples), beside
 * its cap: a service near its cap spends its time collecting garbage and then dies (supervision in
 * the storm of 2026-12-07, 17:54), which RSS alone does not show.
 */
const heapPeaksOf = (samples: ReadonlyArray<DrainSample>, serviceOfUrl: ReadonlyMap<string, ServiceName>) => {
  const peaks: Record<string, { used_mb: number; cap_mb: number | null }> = {}
  for (const [url, name] of serviceOfUrl) {
    let used = -1
    for (const sample of samples) used = Math.max(used, sample.heapUsedMb?.get(url) ?? -1)
    if (used >= 0) peaks[name] = { used_mb: used, cap_mb: heapCapMbOf(name, process.env) ?? null }
  }
  return peaks
}

const describeHeapPeaks = (peaks: ReturnType<typeof heapPeaksOf>) =>
  Object.entries(peaks).map(([name, p]) => `${name} ${p.used_mb}${p.cap_mb === null ? "" : ` of ${p.cap_mb}`}`).join(", ")

/** The smallest demo fleet with at least `devices` devices: the registry must know every storm device. */
const fleetWith = (devices: number): { fleet: SimFleet; residents: number } => {
  let residents = Math.max(300, Math.ceil(devices / 4))
  while (true) {
    const fleet = demoSimFleet({ residents })
    if (fleet.residents.reduce((n, r) => n + r.devices.length, 0) >= devices) return { fleet, residents }
    residents = Math.ceil(residents * 1.1)
  }
}

const normalEvents = (fleet: SimFleet, count: number, seed: number, only?: "gps"): Array<DeviceEvent> => {
  const made = makeFleetEvents(fleet, { seed, idSalt: Date.now() & 0xffff, mix: "normal", ...(only ? { only } : {}) })
  if (Result.isFailure(made)) throw new Error(made.failure.reason)
  // Spread over the last hour of simulated time, so heartbeats follow their intervals.
  const start = Date.now() - 3_600_000
  const step = 3_600_000 / count
  return Array.from({ length: count }, (_, i) => made.success.next(start + i * step))
}

const rawMessages = (events: ReadonlyArray<DeviceEvent>, subjectOf: (e: DeviceEvent) => string): Array<RawMessage> => {
  const receivedAt = new Date().toISOString()
  return events.map((e) => ({ subject: subjectOf(e), bytes: encoder.encode(JSON.stringify({ ...e, receivedAt })), msgId: deviceEventKey(e) }))
}

// Every service pnpm start runs, so none is left out of the figures: its RSS and CPU count too.
const BenchServices = ServiceNames


const round3 = (n: number) => Math.round(n * 1000) / 1000

/**
 * Supervision's KV writes (signs of life and activity) and the signs it put into its journal so
 * far, summed over its /metrics; a counter it does not have counts 0.
 */
const supervisionWrites = (url: string) =>
  Effect.promise(async () => {
    const sum = async (family: string) => (await scrapeFamily(url, family)).reduce((total, sample) => total + sample.value, 0)
    return { kv: await sum("wt_supervision_sightings_flushed_total"), journalled: await sum("wt_supervision_signs_journalled_total") }
  })

/** Fetches nats-server's CPU profile for the next `seconds` into `path`; never fails the run. */
const natsCpuProfile = (profPort: number, path: string, seconds: number): Promise<void> =>
  fetch(`http://127.0.0.1:${profPort}/debug/pprof/profile?seconds=${seconds}`)
    .then(async (r) => writeFileSync(path, Buffer.from(await r.arrayBuffer())))
    .then(() => void log(`nats-server CPU profile (${seconds} s of the pipeline phase): ${path}`))
    .catch((error) => void log(`nats-server CPU profile failed: ${String(error)}`))

/** Messages and MB a stream (WT_INCIDENT: what its every consumer reads) grew by between two looks. */
const incidentWritesSince = (before: { messages: number; bytes: number }, after: { messages: number; bytes: number }) => ({
  messages: after.messages - before.messages,
  mb: round1((after.bytes - before.bytes) / 1e6)
})

/** The last storm incident's counts, read from WT_INCIDENT (the console lists only the 500 most urgent). */
const stormIncidentCounts = Effect.gen(function*() {
  const nats = yield* Nats
  // A subject filter matches whole tokens only: list every incident's subject and keep the storms'.
  const info = yield* Effect.orDie(nats.streamInfo(Streams.incident, { subjectsFilter: Subjects.incident("*", "*") }))
  const subjects = Object.keys(info.state.subjects ?? {}).filter((subject) => subject.split(".")[3]?.startsWith("storm-") === true)
  let last: { seq: number; tenant: string; incidentId: string; storm: { devices: number; stillDown: number } } | null = null
  for (const subject of subjects) {
    const message = yield* readLastOnSubject(Streams.incident, subject).pipe(Effect.orDie)
    if (Option.isNone(message)) continue
    const storm = (JSON.parse(new TextDecoder().decode(message.value.data)) as { state: { storm?: { devices: number; stillDown: number } } }).state.storm
    if (storm === undefined || (last !== null && message.value.seq < last.seq)) continue
    const [, , tenant = "", incidentId = ""] = subject.split(".")
    last = { seq: message.value.seq, tenant, incidentId, storm: { devices: storm.devices, stillDown: storm.stillDown } }
  }
  return last
})

/** The latencies, in ms (bucket bounds of the histograms), over which the alarm lane's events are counted. */
const TailOverMs = [25, 50, 100, 250] as const

interface LaneTail {
  readonly events: number
  /** Events over each of `TailOverMs`, in its order. */
  readonly over: ReadonlyArray<number>
}

/** Triage's stages of receipt to incident (`wt_triage_receive_to_incident_stage_ms{stage}`). */
const Stages = ["stored", "delivered", "incident"] as const
type Stage = (typeof Stages)[number]

interface LaneTails {
  readonly all: LaneTail
  readonly byStage: Record<Stage, LaneTail>
}

const tailOf = (samples: ReadonlyArray<{ labels: string; value: number }>): LaneTail => {
  const bucket = (le: string) => samples.filter((s) => s.labels.includes(`le="${le}"`)).reduce((n, s) => n + s.value, 0)
  const all = bucket("+Inf")
  return { events: all, over: TailOverMs.map((ms) => all - bucket(String(ms))) }
}

const stageRecord = <A>(f: (stage: Stage) => A) => Object.fromEntries(Stages.map((stage) => [stage, f(stage)])) as Record<Stage, A>

/**
 * How many of the alarm lane's events were stored in an incident more than 25, 50, 100 and 250 ms after
 * the gateway received them (from triage's own histograms), in all and by stage (`stored` in
 * WT_DEVICE, `delivered` to triage, `incident` stored): the part of a P1's way to the console up
 * to the incident, so a slow P1 tail can be placed.
 */
const alarmLaneTail = (url: string) =>
  Effect.promise(async (): Promise<LaneTails> => {
    const staged = await scrapeFamily(url, "wt_triage_receive_to_incident_stage_ms_bucket")
    return {
      all: tailOf(await scrapeFamily(url, "wt_triage_receive_to_incident_ms_bucket")),
      byStage: stageRecord((stage) => tailOf(staged.filter((s) => s.labels.includes(`stage="${stage}"`))))
    }
  })

const tailSince = (before: LaneTails, after: LaneTails) => {
  const since = (b: LaneTail, a: LaneTail) => Object.fromEntries(TailOverMs.map((ms, i) => [`over_${ms}_ms`, a.over[i]! - b.over[i]!]))
  return {
    events: after.all.events - before.all.events,
    ...since(before.all, after.all),
    by_stage: stageRecord((stage) => since(before.byStage[stage], after.byStage[stage]))
  }
}

/** Sum of a Prometheus counter family over all its label sets. */
const counterTotal = (url: string, name: string) =>
  Effect.promise(async () => (await scrapeFamily(url, name)).reduce((n, s) => n + s.value, 0))

const program = Effect.gen(function*() {
  const runStarted = Date.now()
  const { fleet, residents } = fleetWith(plan.stormDevices)
  mkdirSync(resultsDir, { recursive: true })
  const profileDir = join(resultsDir, "profiles")
  const profPort = yield* freePort
  if (flags.profile) {
    mkdirSync(profileDir, { recursive: true })
    process.env["WT_NATS_PROF_PORT"] = String(profPort)
  }
  const monitorPort = yield* freePort
  process.env["WT_NATS_MONITOR_PORT"] = String(monitorPort)
  const monitorUrl = `http://127.0.0.1:${monitorPort}`
  log(`${plan.mode} run: starting nats-server, a fresh database (${residents} residents), and the services`)
  const system = yield* startBenchSystem({
    residents,
    // WT_BENCH_NODE_OPTIONS: extra Node flags for every service (e.g. --heapsnapshot-near-heap-limit=1).
    env: {
      NODE_OPTIONS: [flags.profile ? `--cpu-prof --cpu-prof-dir=${profileDir}` : "", process.env["WT_BENCH_NODE_OPTIONS"] ?? ""].join(" ").trim()
    },
    logFile: join(resultsDir, "services.log")
  })
  log(`system ready after ${seconds(Date.now() - runStarted)} s: ${system.residents} residents, ${system.devices} devices`)

  const pids = servicePids(system.services, BenchServices)
  // Profiles are named by pid: keep which service each pid was.
  if (flags.profile) writeFileSync(join(profileDir, "services.json"), JSON.stringify(pids(), null, 2) + "\n")
  // A service that dies mid-run (out of memory, say) leaves its phase waiting for a drain that
  // cannot come (up to the drain timeout) and the rest of the run measuring a different system:
  // the run stops there, with the service's last lines.
  const serviceExited = Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep("2 seconds")
      for (const [name, pid] of Object.entries(pids())) {
        if (pid !== undefined && isProcessAlive(pid)) continue
        log(`SERVICE EXITED: ${name}; its last lines (all in ${system.logFile}):\n` +
          system.logTail().filter((line) => line.startsWith(`${name} |`)).slice(-15).join("\n"))
        return yield* Effect.die(new Error(`${name} exited during the run: no figures are written`))
      }
    }
  })
  const rss = startRssSampler(pids, runStarted)
  yield* Effect.addFinalizer(() => Effect.sync(() => rss.stop()))

  return yield* Effect.gen(function*() {
    const nats = yield* Nats
    const token = yield* signIn(system.consoleUrl, "operator", system.password)
    const prober = yield* makeP1Prober({ consoleUrl: system.consoleUrl, ingestUrl: system.ingestUrl, ingestKey: system.ingestKey, token, fleet })
    /** Before a measured window: every P1 so far answered (up to 15 s), then a second for what the answers set off. */
    const afterAnswers = (window: string, alarms: string) =>
      prober.answeredAll(15_000).pipe(
        Effect.tap((all) => all ? Effect.void : Effect.sync(() => log(`${window}: the operator had not answered every ${alarms} alarm within 15 s`))),
        Effect.andThen(Effect.sleep(1000))
      )

    // ── baseline: the same events, straight into a stream configured like WT_DEVICE ──
    const baselineEvents = normalEvents(fleet, plan.baselineEvents, 1)
    const device = yield* Effect.orDie(nats.streamInfo(Streams.device))
    const baselineStream = "BENCH_BASELINE"
    yield* Effect.orDie(nats.addStream({ ...device.config, name: baselineStream, subjects: ["bench.baseline.>"], description: "pnpm bench baseline" }))
    const baselineMessages = rawMessages(baselineEvents, (e) => `bench.baseline.${deviceSubject(e)}`)
    const natsPid = natsServerPid()
    // Raw publish is the ratio's denominator: measured on a machine the services have left quiet.
    const settled = yield* Effect.promise(() => waitUntilQuiet(pids, { quietMsPerS: QuietMsPerS, maxMs: QuietWaitMs, seconds: QuietSeconds }))
    log(`baseline: ${settled.quiet ? "the services went quiet" : "the services still busy"} after ${settled.waitedS} s ` +
      `(${Math.round(settled.lastMsPerS)} ms of CPU per second over the last, quiet below ${QuietMsPerS} for ${QuietSeconds} s in a row)`)
    log(`baseline: publishing ${baselineMessages.length} events straight to JetStream, window ${PublishWindow}`)
    // What storing alone costs nats-server, in the same run: the floor under its share of the pipeline.
    // The services are metered too: the ratio's denominator is only as fast as the cores they leave
    // free, and work left over from start-up (the fleet read, enrolment) shows here.
    const baselineCpu = startCpuMeter(() => ({ ...pids(), "nats-server": natsPid }))
    let t0 = Date.now()
    const baseline = yield* publishWindowed(nats, baselineMessages, PublishWindow)
    const baselineMs = Date.now() - t0
    const baselineNatsUs = baselineCpu.perEvent(Math.max(1, baseline.stored))["nats-server"]
    const { "nats-server": baselineNatsMsPerS = 0, total: baselineTotalMsPerS = 0, ...baselineServicesMsPerS } = baselineCpu.perSecond()
    const baselineServicesMs = Math.round(baselineTotalMsPerS - baselineNatsMsPerS)
    yield* Effect.orDie(nats.deleteStream(baselineStream))
    const baselineEps = Math.round(baseline.stored / (baselineMs / 1000))
    log(`baseline: ${baselineEps} events/s (${baseline.stored} stored, ${baseline.failed} failed); nats-server ${baselineNatsUs} µs per event; ` +
      `the services meanwhile ${baselineServicesMs} ms of CPU per second: ${JSON.stringify(baselineServicesMsPerS)}`)

    // ── P1 at idle ──
    // Warm-up, not counted: the first alarms after start run cold code paths (JIT, caches, connections).
    yield* prober.run({ count: WarmUpP1, intervalMs: P1IntervalMs, waitMs: 5000 })
    log(`P1 idle: ${plan.idleP1} care alarms, ${P1IntervalMs} ms apart (after ${WarmUpP1} uncounted warm-up alarms)`)
    // Nothing sent for a few seconds: what each process costs at rest (timers, checks), which the
    // pipeline's per-event figures include for as long as that phase runs. Measured once the operator
    // has resolved the warm-up alarms (5 s after each): before, their resolves fell in this window.
    yield* afterAnswers("at rest", "warm-up")
    const restCpu = startCpuMeter(() => ({ ...pids(), "nats-server": natsPid }))
    yield* Effect.sleep(RestMs)
    const restCpuMsPerS = restCpu.perSecond()
    log(`at rest: CPU ms per second over ${RestMs / 1000} s with nothing sent, by process: ${JSON.stringify(restCpuMsPerS)}`)
    const alarmLaneAtIdle = yield* alarmLaneTail(system.services.triage.url)
    // A care alarm every 50 ms and nothing else.
    const idleCpu = startCpuMeter(() => ({ ...pids(), "nats-server": natsPid }))
    const idle = yield* prober.run({ count: plan.idleP1, intervalMs: P1IntervalMs, waitMs: 5000 })
    const idleCpuMsPerS = idleCpu.perSecond()
    log(`P1 idle: CPU ms per second, by process: ${JSON.stringify(idleCpuMsPerS)}`)
    const idleSummary = phaseSummary(idle)
    const idleAlarmLane = tailSince(alarmLaneAtIdle, yield* alarmLaneTail(system.services.triage.url))
    log(`P1 idle: p50 ${idleSummary.accepted_to_stream.p50} ms, p99 ${idleSummary.accepted_to_stream.p99} ms, missing ${idle.missing}; ` +
      `alarm lane, receipt to incident stored: ${JSON.stringify(idleAlarmLane)}`)

    // ── pipeline: normal mix over HTTP until every consumer has finished ──
    // The idle phase's alarms are answered 5 s after each: done before the pipeline starts, so their
    // claims and resolves (and what they cost the console, projector, audit and nats-server) are not
    // counted against the pipeline's events. The pipeline's own care alarms are answered within it.
    yield* afterAnswers("pipeline", "idle-phase")
    const pipelineBatches = inBatches(normalEvents(fleet, plan.pipelineEvents, 2), Batch)
    const totals = emptyTotals()
    const throughput: Array<{ t: number; accepted: number; completed: number }> = []
    log(`pipeline: ${plan.pipelineEvents} events (normal mix) over HTTP, batches of ${Batch}, ${Senders} senders`)
    const serviceOfUrl = new Map<string, ServiceName>(DeviceConsumerServices.map((name) => [system.services[name].url, name]))
    const serviceUrls = [...serviceOfUrl.keys()]
    const supervisionUrl = system.services.supervision.url
    const supervisionBefore = yield* supervisionWrites(supervisionUrl)
    const pipelineTraffic = yield* Effect.promise(() => lookAtTraffic(monitorUrl))
    const pipelineCpu = startCpuMeter(() => ({ ...pids(), "nats-server": natsPid }))
    t0 = Date.now()
    // The server's own CPU profile over the pipeline phase (Go pprof; read it with `go tool pprof`).
    const natsProfile = flags.profile ? natsCpuProfile(profPort, join(profileDir, "nats-server-pipeline.pb.gz"), 30) : undefined
    // Progress from the services' metrics, not nats-server (see consumer-progress.ts).
    const progressSince = (stored: () => LaneCounts) => deviceProgressSince(serviceUrls, stored)
    const pipelineProgress = yield* progressSince(() => totals.stored)
    // Done by every device consumer, at least: accepted minus what the furthest-behind one still holds.
    const pipelineSamples: Array<DrainSample> = []
    const onSample = (s: DrainSample) => {
      pipelineSamples.push(s)
      throughput.push({ t: s.t, accepted: totals.accepted, completed: Math.max(0, totals.accepted - s.backlog) })
    }
    let sending = true
    const sampler = Effect.gen(function*() {
      while (sending) {
        const p = yield* pipelineProgress
        onSample(drainSampleOf((Date.now() - t0) / 1000, p))
        yield* Effect.sleep(SamplePollMs)
      }
    })
    const [, ] = yield* Effect.all([
      postBatches({ ingestUrl: system.ingestUrl, ingestKey: system.ingestKey, batches: pipelineBatches, concurrency: Senders, totals }).pipe(
        Effect.ensuring(Effect.sync(() => { sending = false }))
      ),
      sampler
    ], { concurrency: "unbounded" })
    const ingestMs = Date.now() - t0
    const pipelineDrain = yield* drainOf({ startMs: t0, progress: pipelineProgress, onSample })
    const pipelineDoneMs = (pipelineDrain.drainedAtMs ?? Date.now()) - t0
    // Not drained: what the furthest-behind device consumer had finished (an estimate; lanes see subsets).
    const completedAtEnd = Math.max(0, totals.accepted - Math.max(0, ...pipelineDrain.states.filter((c) => c.stream === Streams.device).map((c) => c.pending + c.ackPending)))
    const pipelineEps = Math.round((pipelineDrain.drainedAtMs !== undefined ? totals.accepted : completedAtEnd) / (pipelineDoneMs / 1000))
    log(`pipeline: ${totals.accepted} accepted in ${seconds(ingestMs)} s (ingest ${Math.round(totals.accepted / (ingestMs / 1000))}/s); ` +
      (pipelineDrain.drainedAtMs !== undefined ? `all consumers drained after ${seconds(pipelineDoneMs)} s` : `NOT drained after ${seconds(pipelineDoneMs)} s`) +
      ` → ${pipelineEps} events/s end to end (${(pipelineEps / baselineEps).toFixed(2)} × baseline)`)
    log(`pipeline: each consumer last busy at (s): ${JSON.stringify(pipelineDrain.lastBusyS)}`)
    if (natsProfile !== undefined) yield* Effect.promise(() => natsProfile)
    const pipelineCpuUs = pipelineCpu.perEvent(totals.accepted)
    const pipelineCpuMsPerS = pipelineCpu.perSecond()
    log(`pipeline: CPU per accepted event (µs), by process: ${JSON.stringify(pipelineCpuUs)}`)
    log(`pipeline: CPU ms per second, by process (against ${JSON.stringify(restCpuMsPerS)} at rest): ${JSON.stringify(pipelineCpuMsPerS)}`)
    const pipelineMessages = trafficPerEvent(pipelineTraffic, yield* Effect.promise(() => lookAtTraffic(monitorUrl)), totals.accepted)
    log(`pipeline: nats-server messages per accepted event: in ${pipelineMessages.total.in} (${pipelineMessages.total.in_bytes} B), out ${pipelineMessages.total.out} (${pipelineMessages.total.out_bytes} B); ` +
      `published by ${JSON.stringify(pipelineMessages.in)}; delivered to ${JSON.stringify(pipelineMessages.out)}; ` +
      `${pipelineMessages.closed.length} connections closed meanwhile: ${JSON.stringify(pipelineMessages.closed.slice(0, 12))}`)
    // A flush later, so that the last one of the phase is counted.
    yield* Effect.sleep("1500 millis")
    const supervisionAfter = yield* supervisionWrites(supervisionUrl)
    const supervisionWritesPerEvent = {
      kv: round3((supervisionAfter.kv - supervisionBefore.kv) / totals.accepted),
      journalled: round3((supervisionAfter.journalled - supervisionBefore.journalled) / totals.accepted)
    }
    log(`pipeline: supervision's writes per accepted event: KV ${supervisionWritesPerEvent.kv}, signs into the journal ${supervisionWritesPerEvent.journalled}`)
    const pipelineJudgedBehind = judgedBehindOf(pipelineSamples)
    log(`pipeline: the absence watch judged ${describeJudgedBehind(pipelineJudgedBehind)}`)
    const pipelineHeapPeaks = heapPeaksOf(pipelineSamples, serviceOfUrl)
    log(`pipeline: heap in use at most (MB, of the cap): ${describeHeapPeaks(pipelineHeapPeaks)}`)

    // ── P1 behind a telemetry backlog ──
    // Positions and technical events only: the trackers' own alarms (about 1 in 1,000) would be stamped
    // receivedAt as the backlog is built and stored up to 90 s later, and counted among the alarm
    // lane's late arrivals behind the backlog, where only the probes' care alarms belong.
    const backlogMade = normalEvents(fleet, Math.ceil(plan.backlogEvents * 1.01), 3, "gps")
    const backlogEvents = backlogMade.filter((e) => laneOfEvent(e) !== "alarm").slice(0, plan.backlogEvents)
    const backlogMessages = rawMessages(backlogEvents, deviceSubject)
    log(`backlog: publishing ${backlogMessages.length} GPS events straight to WT_DEVICE (the trackers' alarms left out)`)
    const backlogStored = emptyLaneCounts()
    const backlogProgress = yield* progressSince(() => backlogStored)
    const incidentsAtBacklog = yield* streamState(Streams.incident)
    const alarmLaneAtBacklog = yield* alarmLaneTail(system.services.triage.url)
    t0 = Date.now()
    const backlogPublished = yield* publishWindowed(nats, backlogMessages, PublishWindow)
    const backlogPublishMs = Date.now() - t0
    addLanes(backlogStored, backlogEvents)
    const afterPublish = yield* backlogProgress
    log(`backlog: ${backlogPublished.stored} stored in ${seconds(backlogPublishMs)} s; the furthest-behind consumer has ${afterPublish.backlog} to go (${afterPublish.busy.join(", ")})`)
    let drained = false
    const backlogStart = Date.now()
    const backlogDrainSamples: Array<DrainSample> = []
    const [backlogP1, backlogDrain] = yield* Effect.all([
      prober.run({ count: Math.max(plan.idleP1, 2000), intervalMs: P1IntervalMs, waitMs: 10_000, until: () => drained }),
      drainOf({ startMs: backlogStart, progress: backlogProgress, onSample: (s) => backlogDrainSamples.push(s), onProgressDone: () => { drained = true } }).pipe(
        Effect.ensuring(Effect.sync(() => { drained = true }))
      )
    ], { concurrency: "unbounded" })
    const backlogSummary = phaseSummary(backlogP1)
    log(`backlog: each consumer last busy at (s): ${JSON.stringify(backlogDrain.lastBusyS)}`)
    const backlogDrainS = backlogDrain.drainedAtMs === undefined ? null : seconds(backlogDrain.drainedAtMs - backlogStart)
    // The fleet outside the backlog falls silent meanwhile: the absence watch raises the storm here.
    const backlogIncidentWrites = incidentWritesSince(incidentsAtBacklog, yield* streamState(Streams.incident))
    log(`backlog: WT_INCIDENT grew by ${backlogIncidentWrites.messages} messages, ${backlogIncidentWrites.mb} MB`)
    const backlogAlarmLane = tailSince(alarmLaneAtBacklog, yield* alarmLaneTail(system.services.triage.url))
    log(`backlog: alarm lane, receipt to incident stored: ${JSON.stringify(backlogAlarmLane)}`)
    const backlogJudgedBehind = judgedBehindOf(backlogDrainSamples)
    log(`backlog: the absence watch judged ${describeJudgedBehind(backlogJudgedBehind)}`)
    const backlogHeapPeaks = heapPeaksOf(backlogDrainSamples, serviceOfUrl)
    log(`backlog: heap in use at most (MB, of the cap): ${describeHeapPeaks(backlogHeapPeaks)}`)
    log(`backlog: drained ${backlogDrainS === null ? "NOT within the timeout" : `after ${backlogDrainS} s`}; ` +
      `P1 during it (${backlogP1.sent}): p50 ${backlogSummary.accepted_to_stream.p50} ms, p99 ${backlogSummary.accepted_to_stream.p99} ms, missing ${backlogP1.missing}`)

    // ── reconnect storm ──
    const storm = stormEvents(fleet, plan.stormDevices, plan.bufferedPerDevice, Date.now())
    const stormBatches = inBatches(storm.events, Batch)
    const incidentsBefore = yield* streamState(Streams.incident)
    const deviceBefore = yield* streamState(Streams.device)
    const auditBefore = yield* streamState(Streams.audit)
    const before = {
      stored: deviceBefore.messages,
      // Triage runs as two processes (alarm lane; tech and telemetry lanes): count both.
      triaged: (yield* counterTotal(system.services.triage.url, "wt_triage_decisions_total")) +
        (yield* counterTotal(system.services["triage-bulk"].url, "wt_triage_decisions_total"))
    }
    log(`storm: ${storm.devices} devices flush ${storm.events.length} buffered events over HTTP at once (${StormSenders} connections)`)
    const stormTotals = emptyTotals()
    const stormSenders = yield* startIngestWorker({ ingestUrl: system.ingestUrl, ingestKey: system.ingestKey, batches: stormBatches, concurrency: StormSenders, totals: stormTotals })
    const stormProgress = yield* progressSince(() => stormTotals.stored)
    const stormCpu = startCpuMeter(() => ({ ...pids(), "nats-server": natsPid }))
    const alarmLaneAtStorm = yield* alarmLaneTail(system.services.triage.url)
    const stormStart = Date.now()
    // A care alarm the operator leaves waiting as the storm begins: its escalation is due 30 s
    // after, while the storm's bulk work is still being done (decision 31).
    yield* prober.hold
    let stormDrained = false
    const stormDrainSamples: Array<DrainSample> = []
    const [stormP1, stormDrain] = yield* Effect.all([
      prober.run({ count: 100_000, intervalMs: P1IntervalMs, waitMs: 10_000, until: () => stormDrained }),
      stormSenders.run.pipe(
        Effect.andThen(drainOf({ startMs: stormStart, progress: stormProgress, onSample: (s) => stormDrainSamples.push(s), onProgressDone: () => { stormDrained = true } })),
        Effect.ensuring(Effect.sync(() => { stormDrained = true }))
      )
    ], { concurrency: "unbounded" })
    const stormDrainS = stormDrain.drainedAtMs === undefined ? null : seconds(stormDrain.drainedAtMs - stormStart)
    const stormEscalation = yield* prober.heldEscalation(DefaultEscalationLimits.P1, DefaultEscalationLimits.P1 + 15_000)
    log(`storm: a P1 left unclaimed from the storm's start: escalated ${describeEscalation(stormEscalation)}${stormEscalation.opened_to_escalated_ms === null ? "" : `, ${stormEscalation.opened_to_escalated_ms} ms between the two on the live stream`}; the storm drained after ${stormDrainS} s`)
    const stormCpuUs = stormCpu.perEvent(stormTotals.accepted)
    const stormAlarmLane = tailSince(alarmLaneAtStorm, yield* alarmLaneTail(system.services.triage.url))
    // What the incidents took meanwhile (storm batches above all): every consumer of WT_INCIDENT reads it.
    const stormIncidentWrites = incidentWritesSince(incidentsBefore, yield* streamState(Streams.incident))
    const deviceAfter = yield* streamState(Streams.device)
    const after = {
      stored: deviceAfter.messages,
      // Telemetry and technical events are audited in batches: count the events the entries hold.
      audited: yield* auditedDeviceEvents(auditBefore.lastSeq, (yield* streamState(Streams.audit)).lastSeq, deviceBefore.lastSeq, deviceAfter.lastSeq),
      // Triage runs as two processes (alarm lane; tech and telemetry lanes): count both.
      triaged: (yield* counterTotal(system.services.triage.url, "wt_triage_decisions_total")) +
        (yield* counterTotal(system.services["triage-bulk"].url, "wt_triage_decisions_total"))
    }
    // The P1 probes sent meanwhile are in the same counts; each was one accepted event.
    const expected = stormTotals.accepted + (stormP1.sent - stormP1.unaccepted) + stormEscalation.accepted
    const stored = after.stored - before.stored
    const audited = after.audited
    const triaged = after.triaged - before.triaged
    const stormLost = Math.max(0, expected - stored) + Math.max(0, stored - triaged) + Math.max(0, stored - audited) +
      stormTotals.rejected + stormTotals.failedBatches * Batch
    const stormSummary = phaseSummary(stormP1)
    // How big the storm incident grew: the devices the absence watch found silent while the backlog drained.
    const stormFound = yield* stormIncidentCounts
    const stormIncident = stormFound === null ? null : { ...stormFound.storm, stillDownAmongSenders: 0 }
    if (stormFound !== null && stormIncident !== null && stormIncident.stillDown > 0) {
      // A device that sent its buffer in the storm was heard from again: it must have left the list.
      const senders = new Set(storm.events.map((e) => e.deviceId))
      const { down } = yield* readStormLedger(stormFound.tenant, stormFound.incidentId).pipe(Effect.orDie)
      stormIncident.stillDownAmongSenders = [...down].filter((d) => senders.has(d)).length
    }
    const stormJudgedBehind = judgedBehindOf(stormDrainSamples)
    log(`storm: the absence watch judged ${describeJudgedBehind(stormJudgedBehind)}`)
    const stormHeapPeaks = heapPeaksOf(stormDrainSamples, serviceOfUrl)
    log(`storm: heap in use at most (MB, of the cap): ${describeHeapPeaks(stormHeapPeaks)}`)
    log(`storm: alarm lane, receipt to incident stored: ${JSON.stringify(stormAlarmLane)}`)
    log(`storm incident: ${stormIncident === null ? "none" : `${stormIncident.devices} devices held, ${stormIncident.stillDown} still down ` +
      `(${stormIncident.stillDownAmongSenders} of them among the storm's senders)`}`)
    // Absences judged before the storm may still be being raised (and their returns written): look again later.
    yield* Effect.sleep("10 seconds")
    const stormLater = yield* stormIncidentCounts
    log(`storm incident 10 s later: ${stormLater === null ? "none" : `${stormLater.storm.devices} devices held, ${stormLater.storm.stillDown} still down`}`)
    log(`storm: CPU per accepted event (µs), by process: ${JSON.stringify(stormCpuUs)}; WT_INCIDENT grew by ${stormIncidentWrites.messages} messages, ${stormIncidentWrites.mb} MB`)
    log(`storm: ${stormTotals.accepted} accepted, ${stormTotals.rejected} rejected, ${stormTotals.failedBatches} batches failed; ` +
      `drained ${stormDrainS === null ? "NOT within the timeout" : `after ${stormDrainS} s`}; stored ${stored}, triaged ${triaged}, audited ${audited} (expected ${expected}); lost ${stormLost}`)
    log(`P1 incidents answered by the benchmark's operator so far: ${JSON.stringify(prober.answers())}`)
    log(`storm: P1 during it (${stormP1.sent}): p50 ${stormSummary.accepted_to_stream.p50} ms, p99 ${stormSummary.accepted_to_stream.p99} ms, missing ${stormP1.missing}`)

    const peaks = rss.peaks()
    const results = {
      mode: plan.mode,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "?", memory_mb: Math.round(totalmem() / 1048576), node: process.version },
      baseline_eps: baselineEps,
      pipeline_eps: pipelineEps,
      ratio: Math.round((pipelineEps / baselineEps) * 100) / 100,
      p1_p50_idle_ms: idleSummary.accepted_to_stream.p50,
      p1_p99_idle_ms: idleSummary.accepted_to_stream.p99,
      p1_p50_backlog_ms: backlogSummary.accepted_to_stream.p50,
      p1_p99_backlog_ms: backlogSummary.accepted_to_stream.p99,
      p1_p50_storm_ms: stormSummary.accepted_to_stream.p50,
      p1_p99_storm_ms: stormSummary.accepted_to_stream.p99,
      storm_devices: storm.devices,
      storm_events: storm.events.length,
      storm_drain_s: stormDrainS,
      storm_lost: stormLost,
      max_rss_mb: Math.max(...Object.values(peaks)),
      rss_peak_mb: peaks,
      details: {
        baseline: { events: baselineMessages.length, stored: baseline.stored, failed: baseline.failed, seconds: seconds(baselineMs), window: PublishWindow, nats_server_cpu_us_per_event: baselineNatsUs, services_cpu_ms_per_s: baselineServicesMs, services_quiet_after_s: settled.waitedS },
        pipeline: {
          events: plan.pipelineEvents,
          accepted: totals.accepted,
          rejected: totals.rejected,
          failed_batches: totals.failedBatches,
          reasons: totals.reasons,
          batch: Batch,
          senders: Senders,
          ingest_s: seconds(ingestMs),
          ingest_eps: Math.round(totals.accepted / (ingestMs / 1000)),
          drained: pipelineDrain.drainedAtMs !== undefined,
          // When not drained, pipeline_eps counts what the furthest-behind device consumer had finished (an estimate).
          completed_by_every_consumer: pipelineDrain.drainedAtMs !== undefined ? totals.accepted : completedAtEnd,
          end_to_end_s: seconds(pipelineDoneMs),
          cpu_us_per_event: pipelineCpuUs,
          supervision_writes_per_event: supervisionWritesPerEvent,
          nats_messages_per_event: pipelineMessages,
          cpu_ms_per_s: pipelineCpuMsPerS,
          consumer_last_busy_s: pipelineDrain.lastBusyS,
          absence_judged_behind: pipelineJudgedBehind,
          heap_used_peak_mb: pipelineHeapPeaks
        },
        rest: { seconds: RestMs / 1000, cpu_ms_per_s: restCpuMsPerS },
        p1_idle: { ...idleSummary, alarm_lane: idleAlarmLane, cpu_ms_per_s: idleCpuMsPerS },
        backlog: {
          events: backlogMessages.length,
          publish_s: seconds(backlogPublishMs),
          publish_eps: Math.round(backlogPublished.stored / (backlogPublishMs / 1000)),
          behind_at_start: { furthest: afterPublish.backlog, consumers: afterPublish.busy },
          drain_s: backlogDrainS,
          consumer_last_busy_s: backlogDrain.lastBusyS,
          incident_writes: backlogIncidentWrites,
          alarm_lane_to_incident: backlogAlarmLane,
          absence_judged_behind: backlogJudgedBehind,
          heap_used_peak_mb: backlogHeapPeaks,
          p1: backlogSummary
        },
        storm: {
          devices: storm.devices,
          buffered_per_device: plan.bufferedPerDevice,
          events: storm.events.length,
          senders: StormSenders,
          accepted: stormTotals.accepted,
          rejected: stormTotals.rejected,
          failed_batches: stormTotals.failedBatches,
          reasons: stormTotals.reasons,
          p1_probes: stormP1.sent,
          expected_stored: expected,
          stored,
          triaged,
          audited,
          drain_s: stormDrainS,
          consumer_last_busy_s: stormDrain.lastBusyS,
          cpu_us_per_event: stormCpuUs,
          incident_writes: stormIncidentWrites,
          storm_incident: stormIncident,
          storm_incident_10s_later: stormLater?.storm ?? null,
          escalation: stormEscalation,
          absence_judged_behind: stormJudgedBehind,
          heap_used_peak_mb: stormHeapPeaks,
          alarm_lane_to_incident: stormAlarmLane,
          p1: stormSummary
        },
        run_s: seconds(Date.now() - runStarted)
      }
    }
    const charts = {
      latencies: { idle: idle.latencies, backlog: backlogP1.latencies, storm: stormP1.latencies },
      throughput,
      backlogDrain: backlogDrainSamples,
      stormDrain: stormDrainSamples,
      rss: rss.series()
    }
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(join(resultsDir, "latest.json"), JSON.stringify(results, null, 2) + "\n")
    const reportFiles = writeReport(resultsDir, results, charts)
    log(`wrote bench-results/latest.json, ${reportFiles.join(", ")} (run took ${results.details.run_s} s)`)
    const { details: _details, rss_peak_mb, ...headline } = results
    process.stdout.write(JSON.stringify({ ...headline, rss_peak_mb }, null, 2) + "\n")
    return results
  }).pipe(Effect.provide(benchNats(system)), Effect.raceFirst(serviceExited))
})

// `--cluster`: the three-node cluster's figures instead (cluster-bench.ts).
if (flags.cluster) await import("./cluster-bench.ts")
else NodeRuntime.runMain(Effect.scoped(program))
