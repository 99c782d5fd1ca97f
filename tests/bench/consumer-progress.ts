import { Effect, Schedule } from "effect"
import { type DeviceEvent, type Lane, laneOfEvent, Lanes, Streams } from "@wt/contracts"
import type { ServiceName } from "@wt/launcher"
import { Nats } from "@wt/nats"

/**
 * How far each device-stream consumer got, read from the services' `/metrics`
 * (`wt_consumer_messages_total`), not from nats-server: on 2.9 a consumer info recounts
 * the pending messages subject by subject, and the benchmark's own polling of it once a
 * second was most of the server's CPU in the pipeline phase (832 against 109 µs per event).
 */

/**
 * The services that hold WT_DEVICE's durables: only these are scraped. Each scrape costs the
 * scraped process about 1 ms of CPU (measured with `pnpm bench rest --scrape-ms 200`: scraping all
 * nine services five times a second added 86 ms per second to the system at rest), and the
 * benchmark counted that against every event. Were a durable to move to another service,
 * its progress would stay at nothing and the drain would time out, not pass.
 */
export const DeviceConsumerServices = ["triage", "triage-bulk", "supervision", "audit"] as const satisfies ReadonlyArray<ServiceName>

/** Events per lane that the phase has put into WT_DEVICE so far. */
export type LaneCounts = Record<Lane, number>

export const emptyLaneCounts = (): LaneCounts => ({ alarm: 0, tech: 0, telemetry: 0 })

export const addLanes = (counts: LaneCounts, events: ReadonlyArray<DeviceEvent>): void => {
  for (const e of events) counts[laneOfEvent(e)]++
}

/**
 * Readers of WT_DEVICE without a durable, which count what they were handed in the same metric:
 * supervision follows the tech and telemetry lanes in every copy (services/supervision/src/lane-watermark.ts).
 */
const FollowedReaders: ReadonlyArray<readonly [string, Lane]> = [["supervision-follow-tech", "tech"], ["supervision-follow-telemetry", "telemetry"]]
const FollowedReaderNames = new Set(FollowedReaders.map(([name]) => name))

/** A benchmark's own request to NATS, asked again a few times before the run gives up. */
export const BenchRequestRetry = { schedule: Schedule.spaced("1 second"), times: 5 } as const

/**
 * The readers of device frames (decision 22): a durable on WT_DEVICE_FRAMES settles a frame of many
 * events, so each counts its progress in events, in `wt_framed_events_total{durable,lane}`.
 */
const FramedReaders: ReadonlyArray<readonly [string, Lane]> = [
  ["triage-frames-tech", "tech"],
  ["triage-frames-telemetry", "telemetry"],
  ["audit-frames-tech", "tech"],
  ["audit-frames-telemetry", "telemetry"]
]

/** What a device reader reads: one lane, or the whole stream. */
export type ReaderLanes = Lane | "all"

/** Which lane each durable on WT_DEVICE (and each followed reader) reads ("all" for an unfiltered one), from its filter subject. */
export const deviceConsumerLanes = Effect.gen(function*() {
  const nats = yield* Nats
  // Asked right after the full run has built a million messages on this thread: its connection may
  // have gone stale meanwhile and be reconnecting, and a request lost then only times out.
  return yield* nats.listConsumers(Streams.device).pipe(Effect.retry(BenchRequestRetry), Effect.orDie, Effect.map((consumers) => {
    const lanes = new Map<string, ReaderLanes>([...FollowedReaders, ...FramedReaders])
    for (const info of consumers) {
      if (info.config.durable_name === undefined) continue
      const filter = info.config.filter_subject ?? ""
      const lane = Lanes.find((l) => filter === `wt.dev.*.${l}.>`)
      // Anything but a lane filter is read as the whole stream (audit-device: `wt.dev.>`).
      lanes.set(info.name, lane ?? "all")
    }
    return lanes
  }))
})

interface Sample {
  readonly labels: string
  readonly value: number
}

/** The samples of each Prometheus family asked for, in one request to a service's /metrics: label text and value of each. */
export const scrapeFamilies = async (url: string, families: ReadonlyArray<string>): Promise<Array<Array<Sample>>> => {
  // Only the families wanted: a whole rendering costs the service ~2 ms, counted against its events.
  const text = await fetch(`${url}/metrics?${families.map((f) => `name=${encodeURIComponent(f)}`).join("&")}`).then((r) => r.text())
  const samples = families.map((): Array<Sample> => [])
  for (const line of text.split("\n")) {
    const i = families.findIndex((family) => line.startsWith(family) && (line[family.length] === "{" || line[family.length] === " "))
    if (i < 0) continue
    const family = families[i]!
    const value = Number(line.slice(line.lastIndexOf(" ") + 1))
    if (Number.isFinite(value)) samples[i]!.push({ labels: line.slice(family.length, line.lastIndexOf(" ")), value })
  }
  return samples
}

/** The samples of one Prometheus family on a service's /metrics. */
export const scrapeFamily = async (url: string, family: string): Promise<Array<Sample>> => (await scrapeFamilies(url, [family]))[0]!

/** How far behind now supervision's absence watch judges (services/supervision/src/absence-watch.ts). */
const JudgedBehind = "wt_supervision_judged_behind_seconds"
/** V8's heap in use: a service near its cap (--max-old-space-size) spends its time collecting, then dies. */
const HeapUsed = "nodejs_heap_used_bytes"

/**
 * Messages settled (handled or dead-lettered) per consumer, summed over every service's /metrics;
 * in the same requests, how far behind now the absence watch judges (the most of its copies):
 * a device falls silent at its deadline, and is raised only once the watch judges past it; and
 * each service's heap in use (MB, by URL).
 */
export const settledPerConsumer = (serviceUrls: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    // A service that does not answer (restarting, say) counts as no progress for now.
    const scraped = await Promise.all(
      serviceUrls.map((url) => scrapeFamilies(url, ["wt_consumer_messages_total", "wt_framed_events_total", JudgedBehind, HeapUsed]).catch(() => [[], [], [], []]))
    )
    const settled = new Map<string, number>()
    const heapUsedMb = new Map<string, number>()
    let judgedBehindS: number | undefined
    scraped.forEach(([samples = [], framed = [], behind = [], heap = []], i) => {
      for (const { value } of behind) judgedBehindS = Math.max(judgedBehindS ?? 0, value)
      for (const { value } of heap) heapUsedMb.set(serviceUrls[i]!, Math.round(value / 1024 / 1024))
      // A framed reader's copies split its frames: summed.
      for (const { labels, value } of framed) {
        const durable = /durable="([^"]+)"/.exec(labels)?.[1]
        if (durable !== undefined) settled.set(durable, (settled.get(durable) ?? 0) + value)
      }
      for (const { labels, value } of samples) {
        if (labels.includes(`outcome="retried"`) || !labels.includes(`stream="${Streams.device}"`)) continue
        const consumer = /consumer="([^"]+)"/.exec(labels)?.[1]
        if (consumer === undefined) continue
        // A durable's copies split its messages: summed. Every copy of a follower reads every
        // message: each copy is counted apart (`<reader>@<url>`), and the one furthest behind counts.
        const key = FollowedReaderNames.has(consumer) ? `${consumer}@${serviceUrls[i]}` : consumer
        settled.set(key, (settled.get(key) ?? 0) + value)
      }
    })
    return { settled, judgedBehindS, heapUsedMb }
  })

export interface DeviceProgress {
  /** Every device consumer has settled at least what its lanes were given in this phase. */
  readonly done: boolean
  /** Messages the furthest-behind device consumer still has to settle. */
  readonly backlog: number
  /** Consumers not yet there. */
  readonly busy: ReadonlyArray<string>
  /** How far behind now the absence watch judged at its last look, in seconds (0 before its first look); undefined without supervision. */
  readonly judgedBehindS: number | undefined
  /** Each scraped service's V8 heap in use, MB, by its URL. */
  readonly heapUsedMb: ReadonlyMap<string, number>
}

/**
 * Progress of the device consumers since `start` (a snapshot of `settledPerConsumer` taken
 * when the phase began), against what the phase stored per lane. A lower bound on the
 * work left: a redelivered message settles twice, so "done" is confirmed by the consumers' state.
 */
export const deviceProgress = (options: {
  readonly serviceUrls: ReadonlyArray<string>
  readonly lanes: ReadonlyMap<string, ReaderLanes>
  readonly start: ReadonlyMap<string, number>
  readonly stored: () => LaneCounts
}) =>
  Effect.map(settledPerConsumer(options.serviceUrls), ({ settled: now, judgedBehindS, heapUsedMb }): DeviceProgress => {
    const stored = options.stored()
    const all = stored.alarm + stored.tech + stored.telemetry
    let backlog = 0
    const busy: Array<string> = []
    const doneBy = (key: string) => (now.get(key) ?? 0) - (options.start.get(key) ?? 0)
    for (const [consumer, lane] of options.lanes) {
      const want = lane === "all" ? all : stored[lane]
      const copies = FollowedReaderNames.has(consumer) ? [...now.keys()].filter((key) => key.startsWith(`${consumer}@`)) : [consumer]
      const left = want - (copies.length === 0 ? 0 : Math.min(...copies.map(doneBy)))
      if (left > 0) {
        backlog = Math.max(backlog, left)
        busy.push(consumer)
      }
    }
    return { done: busy.length === 0, backlog, busy, judgedBehindS, heapUsedMb }
  })

/** Progress of the device consumers from now on, against what `stored` says the phase has stored so far. */
export const deviceProgressSince = Effect.fn("Bench.deviceProgressSince")(function*(serviceUrls: ReadonlyArray<string>, stored: () => LaneCounts) {
  const lanes = yield* deviceConsumerLanes
  const { settled: start } = yield* settledPerConsumer(serviceUrls)
  return deviceProgress({ serviceUrls, lanes, start, stored })
})
