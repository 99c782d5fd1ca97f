/**
 * `pnpm bench receivers`, parts (b) and (c): the device simulator's protocol senders against a
 * running installation. A phase sends prepared events through one sink (each carried event is one
 * frame or request, answered only after JetStream stored it) and reads the sink's own wire figures:
 * frames written and answered, and the time from writing a frame to its ACK or answer.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Result } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import {
  dc09ContentFor,
  dc09Sink,
  EventSink,
  makeFleetEvents,
  makeWireStats,
  osmandRequestFor,
  osmandSink,
  scaipContentFor,
  scaipSink,
  type SimFleet,
  vendorEventFor,
  webhookSink,
  wireDeviceOf,
  wireDirectory,
  type WireStats
} from "@wt/sim-devices"
import { round1 } from "./figures.ts"

export type Protocol = "dc09-tcp" | "dc09-udp" | "scaip" | "osmand" | "webhook"

export interface Installation {
  readonly ingestUrl: string
  readonly ingestKey: string
  readonly dc09KeySecret: string
  readonly webhookSecrets: Readonly<Record<string, string>>
  readonly protocolPorts: { readonly dc09: number; readonly scaip: number; readonly osmand: number }
}

export interface PhaseFigure {
  readonly protocol: Protocol
  readonly events: number
  readonly accepted: number
  readonly rejected: number
  readonly reasons: ReadonlyArray<string>
  readonly frames: number
  readonly answered: number
  readonly timeouts: number
  readonly resends: number
  readonly seconds: number
  /** Answered frames (requests) per second over the phase. */
  readonly fps: number
  readonly p50Ms: number | null
  readonly p90Ms: number | null
  readonly p99Ms: number | null
  readonly maxMs: number | null
}

const Persistence = { attempts: 3, answerTimeoutMs: 5000 }

/** The sink of a protocol, reporting into `stats`. */
export const sinkOf = (protocol: Protocol, system: Installation, fleet: SimFleet, lanes: number, stats: WireStats): Layer.Layer<EventSink> => {
  const common = { host: "127.0.0.1", lanes, persistence: Persistence, fleet, stats }
  switch (protocol) {
    case "dc09-tcp":
    case "dc09-udp":
      return dc09Sink({ ...common, port: system.protocolPorts.dc09, transport: protocol === "dc09-tcp" ? "tcp" : "udp", keySecret: system.dc09KeySecret })
    case "scaip":
      return scaipSink({ ...common, port: system.protocolPorts.scaip })
    case "osmand":
      return osmandSink({ ...common, port: system.protocolPorts.osmand })
    case "webhook":
      // One event per request, so a request is a frame like the others'.
      return webhookSink({ url: system.ingestUrl, secrets: system.webhookSecrets, lanes, maxEventsPerDelivery: 1, persistence: Persistence, fleet, stats })
  }
}

/**
 * `count` events of the fleet's normal mix (with care alarms mixed in) that the protocol carries:
 * a phase's every event is one frame on its wire. Times run up to now, one per `stepMs`.
 */
export const carriedEvents = (protocol: Protocol, fleet: SimFleet, count: number, seed: number): Array<DeviceEvent> => {
  const directory = wireDirectory(fleet)
  const carries = (event: DeviceEvent): boolean => {
    const device = wireDeviceOf(directory, event)
    if (device._tag === "skip") return false
    const m = device.message
    switch (protocol) {
      case "dc09-tcp":
      case "dc09-udp":
        return dc09ContentFor(event, m)._tag === "send"
      case "scaip":
        return scaipContentFor(event, m, Date.now())._tag === "send"
      case "osmand":
        return osmandRequestFor(event, m)._tag === "send"
      case "webhook":
        return vendorEventFor(event, m)._tag === "send"
    }
  }
  const normal = Result.getOrThrow(makeFleetEvents(fleet, { seed, idSalt: (Date.now() & 0xffff) ^ seed, mix: "normal" }))
  const alarms = Result.getOrThrow(makeFleetEvents(fleet, { seed: seed + 1, idSalt: (Date.now() & 0xffff) ^ seed, mix: "alarms-only" }))
  const out: Array<DeviceEvent> = []
  // Spread over the last minutes, a few ms apart: reports of one tracker never share a millisecond.
  const start = Date.now() - 5 * 60_000
  for (let i = 0; out.length < count && i < count * 40; i++) {
    const event = (i % 10 === 0 ? alarms : normal).next(start + i * 3)
    if (carries(event)) out.push(event)
  }
  return out
}

const phaseFigure = (protocol: Protocol, events: number, delivered: { accepted: number; rejected: number; reasons: Array<string> }, stats: WireStats, ms: number): PhaseFigure => {
  const wire = stats.summary()
  return {
    protocol,
    events,
    accepted: delivered.accepted,
    rejected: delivered.rejected,
    reasons: delivered.reasons.slice(0, 5),
    frames: wire.frames,
    answered: wire.answered,
    timeouts: wire.timeouts,
    resends: wire.resends,
    seconds: round1(ms / 1000),
    fps: Math.round(wire.answered / (ms / 1000)),
    p50Ms: wire.p50Ms,
    p90Ms: wire.p90Ms,
    p99Ms: wire.p99Ms,
    maxMs: wire.maxMs
  }
}

const tallied = () => ({ accepted: 0, rejected: 0, reasons: [] as Array<string> })

/** As fast as the receiver answers: batches handed to the sink, its lanes all busy. */
export const throughputPhase = Effect.fn("Bench.throughputPhase")(function*(protocol: Protocol, system: Installation, fleet: SimFleet, events: ReadonlyArray<DeviceEvent>, lanes: number) {
  const stats = makeWireStats()
  const totals = tallied()
  const t0 = performance.now()
  yield* Effect.gen(function*() {
    const sink = yield* EventSink
    const batches: Array<ReadonlyArray<DeviceEvent>> = []
    for (let i = 0; i < events.length; i += lanes * 4) batches.push(events.slice(i, i + lanes * 4))
    yield* Effect.forEach(batches, (batch) =>
      Effect.map(sink.deliver(batch), (d) => {
        totals.accepted += d.accepted
        totals.rejected += d.rejected
        if (totals.reasons.length < 5) totals.reasons.push(...d.reasons.slice(0, 5 - totals.reasons.length))
      }), { concurrency: 2, discard: true })
  }).pipe(Effect.provide(sinkOf(protocol, system, fleet, lanes, stats)))
  return phaseFigure(protocol, events.length, totals, stats, performance.now() - t0)
})

/**
 * At a steady rate, each event handed to the sink on its own when its time comes (not waiting for
 * the one before): the answer times a device sees when the receiver is not saturated.
 */
export const pacedPhase = Effect.fn("Bench.pacedPhase")(function*(protocol: Protocol, system: Installation, fleet: SimFleet, events: ReadonlyArray<DeviceEvent>, ratePerS: number, lanes: number) {
  const stats = makeWireStats()
  const totals = tallied()
  const t0 = performance.now()
  yield* Effect.gen(function*() {
    const sink = yield* EventSink
    yield* Effect.forEach(events, (event, i) =>
      Effect.gen(function*() {
        const due = t0 + (i * 1000) / ratePerS
        const wait = due - performance.now()
        if (wait > 0) yield* Effect.sleep(Math.ceil(wait))
        const d = yield* sink.deliver([event])
        totals.accepted += d.accepted
        totals.rejected += d.rejected
        if (totals.reasons.length < 5) totals.reasons.push(...d.reasons.slice(0, 5 - totals.reasons.length))
      }), { concurrency: "unbounded", discard: true })
  }).pipe(Effect.provide(sinkOf(protocol, system, fleet, lanes, stats)))
  return phaseFigure(protocol, events.length, totals, stats, performance.now() - t0)
})

export interface TelemetryFigure {
  readonly target_eps: number
  readonly achieved_eps: number
  readonly accepted: number
  readonly rejected: number
  readonly seconds: number
}

const root = fileURLToPath(new URL("../../", import.meta.url))

/** `pnpm sim --via http` as a process of its own (its own event loop, as a fleet's gateway would be); its summary. */
const simProcess = (system: Installation, args: ReadonlyArray<string>) =>
  Effect.promise(() =>
    new Promise<{ accepted: number; rejected: number; elapsedS: number }>((resolve, reject) => {
      execFile(process.execPath, [join(root, "simulators/devices/src/main.ts"), "--via", "http", "--url", system.ingestUrl, "--key", system.ingestKey, "--quiet", ...args], {
        cwd: root,
        env: { ...process.env, CI: "true" },
        timeout: 300_000
      }, (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`pnpm sim ${args.join(" ")}: ${error.message}\n${stderr}`))
        resolve(JSON.parse(stdout.slice(stdout.indexOf("{"))))
      })
    })
  )

/**
 * Telemetry over HTTP ingest at `ratePerS` (half positions, half heartbeats and other technical
 * events, from two `pnpm sim` processes) for `seconds`, and meanwhile DC-09 frames paced at
 * `dc09RatePerS`, once the load runs: the DC-09 answer times while the pipeline is busy.
 */
export const dc09UnderTelemetry = Effect.fn("Bench.dc09UnderTelemetry")(function*(system: Installation, fleet: SimFleet, options: { readonly seconds: number; readonly ratePerS: number; readonly dc09RatePerS: number; readonly lanes: number }) {
  const span = String(options.seconds + 5)
  const half = String(options.ratePerS / 2)
  const dc09Events = carriedEvents("dc09-tcp", fleet, Math.round(options.seconds * options.dc09RatePerS), 43)
  const [gps, technical, dc09] = yield* Effect.all([
    simProcess(system, ["--type", "gps", "--rate", half, "--duration", span, "--seed", "41"]),
    simProcess(system, ["--type", "technical", "--rate", half, "--duration", span, "--seed", "42"]),
    // The senders start in about two seconds; the DC-09 frames go once they are sending.
    Effect.andThen(Effect.sleep("3 seconds"), pacedPhase("dc09-tcp", system, fleet, dc09Events, options.dc09RatePerS, options.lanes))
  ], { concurrency: "unbounded" })
  const accepted = gps.accepted + technical.accepted
  const seconds = Math.max(gps.elapsedS, technical.elapsedS)
  const figure: TelemetryFigure = {
    target_eps: options.ratePerS,
    achieved_eps: Math.round(accepted / seconds),
    accepted,
    rejected: gps.rejected + technical.rejected,
    seconds: round1(seconds)
  }
  return { telemetry: figure, dc09 }
})
