/**
 * `pnpm bench receivers [--quick]`: the protocol edges on this machine, one run.
 *   (a) baseline   raw JetStream publishes of device events, windowed (as the system bench's baseline)
 *   (b) protocols  DC-09 (TCP, UDP), SCAIP, OsmAnd and vendor webhooks through the receivers, as the device
 *                  simulator's senders speak them: frames per second with every connection busy, and the time
 *                  from a frame written to its ACK / <mrs> / 200 at a steady rate
 *   (c) under load DC-09 ACK times while telemetry (heartbeats and positions) streams in over HTTP ingest
 *   (d) codec fuzz each codec's fuzz entry on 100,000 inputs (10,000 with --quick); any violation fails the run
 *   (e) wire fuzz  arbitrary bytes over every receiver's real socket, then a valid frame that must be answered
 * Prints a table and writes bench-results/receivers.json.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { ServiceNames } from "@wt/launcher"
import { Effect, Result } from "effect"
import { deviceEventKey, Streams } from "@wt/contracts"
import { isProcessAlive, makeNats, startEmbeddedNats, TestUser } from "@wt/nats"
import { demoSimFleet, deviceSubject, makeFleetEvents } from "@wt/sim-devices"
import { startInstallation } from "../support/system.ts"
import { receiversBenchIngestLimits } from "./ingest-limits.ts"
import { round1 } from "./figures.ts"
import { publishWindowed } from "./raw-publish.ts"
import { natsServerPid, servicePids, startCpuMeter } from "./cpu-usage.ts"
import { readAnswerBuckets, type ReceiverSide, receiverSideSince } from "./receivers-answer-metric.ts"
import { fuzzCodecs } from "./receivers-fuzz.ts"
import { carriedEvents, dc09UnderTelemetry, pacedPhase, type PhaseFigure, type Protocol, throughputPhase } from "./receivers-load.ts"
import { fuzzSockets } from "./receivers-socket-fuzz.ts"

const { values: flags } = parseArgs({ args: process.argv.slice(3), options: { quick: { type: "boolean", default: false } }, strict: true })

// Sized to stay near five minutes on a shared 2-core machine; the fixed part is the fuzzing.
const Full = {
  mode: "full",
  codecFuzz: 100_000,
  baseline: 100_000,
  throughput: 1_500,
  paced: 800,
  pacedRate: 100,
  loadSeconds: 30,
  loadRate: 1_000,
  dc09UnderLoadRate: 50,
  socketFuzz: 5_000
} as const
const Quick = {
  mode: "quick",
  codecFuzz: 10_000,
  baseline: 20_000,
  throughput: 1_000,
  paced: 300,
  pacedRate: 100,
  loadSeconds: 10,
  loadRate: 1_000,
  dc09UnderLoadRate: 50,
  socketFuzz: 500
} as const
const plan = flags.quick ? Quick : Full
const Lanes = 16
const Protocols: ReadonlyArray<Protocol> = ["dc09-tcp", "dc09-udp", "scaip", "osmand", "webhook"]
const resultsDir = join(process.cwd(), "bench-results")
const log = (line: string) => process.stdout.write(`[receivers ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const encoder = new TextEncoder()

const ms = (x: number | null) => (x === null ? "-" : x.toFixed(1))
const pad = (cells: ReadonlyArray<string | number>, widths: ReadonlyArray<number>) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ")

/** The service that answers a protocol's senders, and its label in `wt_receiver_answer_ms`. */
const answeredBy = (protocol: Protocol) =>
  protocol === "webhook" ? { service: "gateway" as const, label: "webhook" } : { service: "receivers" as const, label: protocol.startsWith("dc09") ? "dc09" : protocol }

/** Runs a phase and reads what the answering service measured meanwhile (arrival to answer). */
const withReceiverSide = Effect.fn("Bench.withReceiverSide")(function*<A, E, R>(url: string, label: string, phase: Effect.Effect<A, E, R>) {
  const before = yield* Effect.promise(() => readAnswerBuckets(url, label))
  const result = yield* phase
  const after = yield* Effect.promise(() => readAnswerBuckets(url, label))
  return [result, receiverSideSince(before, after)] as const
})

const program = Effect.gen(function*() {
  const started = Date.now()
  // Others share this machine: its load before and after says how far the figures are ours alone.
  const loadBefore = loadavg().map((x) => round1(x))
  mkdirSync(resultsDir, { recursive: true })
  const violations: Array<string> = []

  // ── (d) codec fuzz: pure, before the installation starts so nothing else shares the cores ──
  log(`${plan.mode} run: codec fuzz, ${plan.codecFuzz} inputs per protocol`)
  const codecFuzz = fuzzCodecs(plan.codecFuzz)
  for (const f of codecFuzz) {
    log(`fuzz ${f.protocol} (${f.entry}): ${f.inputs} inputs in ${f.seconds} s, ${f.violationCount} violations`)
    violations.push(...f.violations.map((v) => `${f.protocol} codec: ${v}`))
  }

  log("starting nats-server, a fresh database and the services")
  const logFile = join(resultsDir, "receivers-services.log")
  const serviceLog = yield* Effect.acquireRelease(Effect.sync(() => createWriteStream(logFile, { flags: "w" })), (s) => Effect.sync(() => s.end()))
  // Its simulated units send far above real devices' rates: the ingest limits lifted (see ingest-limits.ts).
  const system = yield* startInstallation({
    label: "bench",
    poolMax: 4,
    env: receiversBenchIngestLimits,
    onLine: (service, line) => void serviceLog.write(`${service} | ${line}\n`)
  })
  const fleet = demoSimFleet({ residents: system.seeded.residents })
  log(`ready after ${round1((Date.now() - started) / 1000)} s: ${system.seeded.devices} devices; receivers on dc09 ${system.protocolPorts.dc09}, scaip ${system.protocolPorts.scaip}, osmand ${system.protocolPorts.osmand}`)
  const installation = { ...system, webhookSecrets: system.webhookSecrets as Record<string, string> }

  return yield* Effect.gen(function*() {
    // ── (a) baseline ──
    // The installation's NATS users may publish only their own subjects, so the raw publishes go to a
    // stream configured like its WT_DEVICE on a nats-server of their own (same binary, same machine),
    // as the all-rights test user.
    const device = yield* Effect.scoped(Effect.gen(function*() {
      const observer = yield* makeNats({ url: system.natsUrl, name: "wt-bench-receivers", ...system.natsAccess("observer") })
      return yield* Effect.orDie(observer.streamInfo(Streams.device))
    }))
    // Scoped: the baseline's server is stopped before the receivers are measured.
    const { baseline, baselineS, baselineEps } = yield* Effect.scoped(Effect.gen(function*() {
      const baselineDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-bench-baseline-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const baselineServer = yield* startEmbeddedNats({ dataDir: baselineDir, testUser: true })
      const baselineNats = yield* makeNats({ url: baselineServer.url, name: "wt-bench-baseline", ...baselineServer.access!(TestUser) })
      const baselineEvents = Result.getOrThrow(makeFleetEvents(fleet, { seed: 1, idSalt: Date.now() & 0xffff, mix: "normal" }))
      const receivedAt = new Date().toISOString()
      const baselineMessages = Array.from({ length: plan.baseline }, (_, i) => {
        const e = baselineEvents.next(Date.now() - 3_600_000 + i)
        return { subject: `bench.baseline.${deviceSubject(e)}`, bytes: encoder.encode(JSON.stringify({ ...e, receivedAt })), msgId: deviceEventKey(e) }
      })
      yield* Effect.orDie(baselineNats.addStream({ ...device.config, name: "BENCH_BASELINE", subjects: ["bench.baseline.>"], description: "pnpm bench receivers baseline" }))
      const t0 = performance.now()
      const baseline = yield* publishWindowed(baselineNats, baselineMessages, 1000)
      const baselineS = (performance.now() - t0) / 1000
      yield* Effect.orDie(baselineNats.deleteStream("BENCH_BASELINE"))
      return { baseline, baselineS, baselineEps: Math.round(baseline.stored / baselineS) }
    }))
    log(`baseline: ${baselineEps} events/s raw JetStream publish (${baseline.stored} stored, ${baseline.failed} failed, window 1000)`)

    // ── (b) each protocol: warm-up, throughput, then a steady rate ──
    const throughput: Array<PhaseFigure> = []
    const throughputCpu: Array<Record<string, number>> = []
    const paced: Array<PhaseFigure> = []
    const pacedInside: Array<ReceiverSide> = []
    const natsPid = natsServerPid()
    const pids = servicePids(system.services, ServiceNames)
    const processes = () => ({ ...pids(), "nats-server": natsPid })
    for (const [i, protocol] of Protocols.entries()) {
      yield* throughputPhase(protocol, installation, fleet, carriedEvents(protocol, fleet, 200, 90 + i), Lanes)
      // Every process, the consumers downstream too, as far as they kept up within the phase.
      const cpu = startCpuMeter(processes)
      const fast = yield* throughputPhase(protocol, installation, fleet, carriedEvents(protocol, fleet, plan.throughput, 100 + i), Lanes)
      const cpuPerEvent = cpu.perEvent(fast.accepted)
      throughput.push(fast)
      throughputCpu.push(cpuPerEvent)
      log(`${protocol}: ${fast.fps} frames/s with ${Lanes} connections busy (${fast.accepted}/${fast.events} accepted, ${fast.timeouts} timeouts); answer p50 ${ms(fast.p50Ms)} ms, p99 ${ms(fast.p99Ms)} ms`)
      log(`${protocol}: CPU per accepted event (µs), by process: ${JSON.stringify(cpuPerEvent)}`)
      const by = answeredBy(protocol)
      const [steady, inside] = yield* withReceiverSide(
        system.services[by.service].url,
        by.label,
        pacedPhase(protocol, installation, fleet, carriedEvents(protocol, fleet, plan.paced, 200 + i), plan.pacedRate, Lanes)
      )
      paced.push(steady)
      pacedInside.push(inside)
      log(`${protocol}: at ${plan.pacedRate}/s answer p50 ${ms(steady.p50Ms)} ms, p99 ${ms(steady.p99Ms)} ms, max ${ms(steady.maxMs)} ms (${steady.accepted}/${steady.events} accepted); ` +
        `inside the ${by.service}: p50 ≤ ${inside.p50_le_ms} ms, p99 ≤ ${inside.p99_le_ms} ms, ${inside.over_50_ms} of ${inside.answers} over 50 ms`)
      for (const f of [fast, steady]) {
        if (f.rejected > 0 || f.accepted < f.events) violations.push(`${protocol}: ${f.events - f.accepted} of ${f.events} events not accepted (${f.reasons.join("; ")})`)
      }
    }

    // ── (c) DC-09 under telemetry load ──
    log(`under load: ${plan.loadRate} telemetry events/s over HTTP ingest for ${plan.loadSeconds} s, DC-09 frames at ${plan.dc09UnderLoadRate}/s meanwhile`)
    const [underLoad, underLoadInside] = yield* withReceiverSide(
      system.services.receivers.url,
      "dc09",
      dc09UnderTelemetry(installation, fleet, { seconds: plan.loadSeconds, ratePerS: plan.loadRate, dc09RatePerS: plan.dc09UnderLoadRate, lanes: Lanes })
    )
    log(`under load: telemetry ${underLoad.telemetry.achieved_eps}/s achieved (${underLoad.telemetry.accepted} accepted, ${underLoad.telemetry.rejected} rejected); ` +
      `DC-09 ACK p50 ${ms(underLoad.dc09.p50Ms)} ms, p99 ${ms(underLoad.dc09.p99Ms)} ms, max ${ms(underLoad.dc09.maxMs)} ms (${underLoad.dc09.accepted}/${underLoad.dc09.events} accepted); ` +
      `inside the receivers: p50 ≤ ${underLoadInside.p50_le_ms} ms, p99 ≤ ${underLoadInside.p99_le_ms} ms, ${underLoadInside.over_50_ms} of ${underLoadInside.answers} over 50 ms`)
    if (underLoad.dc09.accepted < underLoad.dc09.events) violations.push(`dc09 under load: ${underLoad.dc09.events - underLoad.dc09.accepted} frames not accepted`)

    // ── (e) arbitrary bytes over the real sockets ──
    log(`wire fuzz: ${plan.socketFuzz} arbitrary inputs per receiver socket, then a valid frame each`)
    const socketFuzz = yield* Effect.promise(() => fuzzSockets(installation, plan.socketFuzz))
    for (const f of socketFuzz) {
      log(`wire fuzz ${f.receiver}: ${f.inputs} in ${f.seconds} s; answers ${JSON.stringify(f.answers)}; afterwards ${f.afterwards}`)
      violations.push(...f.violations)
    }
    for (const name of ["receivers", "gateway"] as const) {
      const pid = system.services[name].pid()
      if (pid === undefined || !isProcessAlive(pid)) violations.push(`the ${name} service exited during the run`)
    }

    const W = [26, 9, 8, 8, 11, 11, 8, 13, 12, 12]
    const inside = (r: ReceiverSide) => (r.p99_le_ms === null ? "-" : `≤ ${r.p99_le_ms}`)
    const table = [
      pad(["", "frames/s", "p50 ms", "p99 ms", `p50 @${plan.pacedRate}/s`, `p99 @${plan.pacedRate}/s`, "max ms", "in service p99", "accepted", "CPU µs/event"], W),
      pad(["raw JetStream publish", baselineEps, "", "", "", "", "", "", `${baseline.stored}`], W),
      ...Protocols.map((p, i) => {
        const f = throughput[i]!, st = paced[i]!
        return pad([p, f.fps, ms(f.p50Ms), ms(f.p99Ms), ms(st.p50Ms), ms(st.p99Ms), ms(st.maxMs), inside(pacedInside[i]!), `${f.accepted + st.accepted}/${f.events + st.events}`, throughputCpu[i]!["total"] ?? "-"], W)
      }),
      pad([`dc09-tcp, telemetry ${underLoad.telemetry.achieved_eps}/s`, "", "", "", ms(underLoad.dc09.p50Ms), ms(underLoad.dc09.p99Ms), ms(underLoad.dc09.maxMs), inside(underLoadInside), `${underLoad.dc09.accepted}/${underLoad.dc09.events}`], W),
      "",
      pad(["codec fuzz", "inputs", "seconds", "violations"], [26, 9, 8, 10]),
      ...codecFuzz.map((f) => pad([`${f.protocol} (${f.entry})`, f.inputs, f.seconds, f.violationCount], [26, 9, 8, 10])),
      "",
      pad(["wire fuzz", "inputs", "seconds", "afterwards"], [26, 9, 8, 12]),
      ...socketFuzz.map((f) => pad([f.receiver, f.inputs, f.seconds, f.afterwards], [26, 9, 8, 12]))
    ]
    const results = {
      mode: plan.mode,
      at: new Date().toISOString(),
      command: `pnpm bench receivers${flags.quick ? " --quick" : ""}`,
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? "?",
        memory_mb: Math.round(totalmem() / 1048576),
        node: process.version,
        load_average_1_5_15_before: loadBefore,
        load_average_1_5_15_after: loadavg().map((x) => round1(x))
      },
      plan: { ...plan, connections: Lanes },
      baseline: { events_per_s: baselineEps, stored: baseline.stored, failed: baseline.failed, seconds: round1(baselineS), window: 1000 },
      protocols: Object.fromEntries(Protocols.map((p, i) => [p, { throughput: throughput[i], throughput_cpu_us_per_event: throughputCpu[i], steady: paced[i], steady_inside_receiver: pacedInside[i] }])),
      dc09_under_telemetry: {
        ...underLoad,
        inside_receiver: underLoadInside,
        goal_p99_ms: 50,
        met: underLoad.dc09.p99Ms !== null && underLoad.dc09.p99Ms < 50
      },
      codec_fuzz: codecFuzz,
      wire_fuzz: socketFuzz,
      violations,
      passed: violations.length === 0,
      run_s: round1((Date.now() - started) / 1000)
    }
    writeFileSync(join(resultsDir, "receivers.json"), JSON.stringify(results, null, 2) + "\n")
    process.stdout.write(`\n${table.join("\n")}\n\n`)
    log(`wrote bench-results/receivers.json (run took ${results.run_s} s; load average ${loadBefore.join(" ")} before, ${results.machine.load_average_1_5_15_after.join(" ")} after); services' log in ${logFile}`)
    if (violations.length > 0) {
      log(`FAILED: ${violations.length} violations:\n  ${violations.slice(0, 30).join("\n  ")}`)
      process.exitCode = 1
    }
    return results
  })
})

NodeRuntime.runMain(Effect.scoped(program))
