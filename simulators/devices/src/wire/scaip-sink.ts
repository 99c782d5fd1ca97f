import { randomBytes } from "node:crypto"
import { Effect, Layer } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { EventSink } from "../event-sink.ts"
import type { SimFleet } from "../fleet.ts"
import { encodeMrq, readMrs, shouldResend } from "../protocols/scaip-device.ts"
import { type AnswerChannel, mrsAnswers, tcpChannel } from "./answer-channel.ts"
import { type ScaipContent, scaipContentFor, scaipStyleOf } from "./scaip-events.ts"
import { makeLanes } from "./lanes.ts"
import { accepted, deliverEach, type Persistence, reaching, rejected, sleep, type WireOutcome } from "./wire-delivery.ts"
import { type Carried, send, wireDeviceOf, wireDirectory } from "./wire-device.ts"
import { makeWireStats, type WireStats } from "./wire-stats.ts"

export interface ScaipSinkOptions {
  readonly host: string
  readonly port: number
  /** TCP connections held open; a unit always sends on the same one. */
  readonly lanes: number
  readonly persistence: Persistence
  readonly fleet: SimFleet
  /** Wait before resending after "hold" (snu 4); SS 91100 says 5-20 s, a test may want less. */
  readonly holdMs?: number
  readonly stats?: WireStats
}

interface ScaipJob {
  readonly content: ScaipContent
  readonly digits: string
}

/** What `snu` values mean to a sender (SS 91100 Table 2). */
const statusText: Record<number, string> = {
  1: "message too long",
  2: "invalid format",
  3: "wrong data content",
  5: "not treated",
  6: "busy",
  7: "mandatory tag missing",
  10: "reference missing",
  99: "undefined error"
}

/**
 * Simulated SCAIP units on TCP: each event becomes the `<mrq>` its unit would send (device type and
 * status code, in that unit's XML style), written on the unit's connection, kept open and reused;
 * the unit waits for the `<mrs>` with its reference and resends the same request when none comes or
 * the answer is "hold" (snu 4). snu 0 is accepted; any other status refused with its meaning.
 */
export const scaipSink = (options: ScaipSinkOptions): Layer.Layer<EventSink> =>
  Layer.effect(
    EventSink,
    Effect.gen(function*() {
      const stats = options.stats ?? makeWireStats()
      const directory = wireDirectory(options.fleet)
      const lanes = yield* Effect.acquireRelease(
        Effect.sync(() => makeLanes<AnswerChannel>(options.lanes, () => tcpChannel({ host: options.host, port: options.port, split: mrsAnswers, onStray: stats.strayAnswer }))),
        (l) => Effect.sync(() => l.close())
      )
      // A reference is new for each message session (1-16 letters or digits): a run tag and a counter.
      const run = randomBytes(4).toString("hex").toUpperCase()
      let counter = 0
      const nextRef = () => `${run}${(counter++).toString(36).toUpperCase()}`.slice(0, 16)

      const prepare = (event: DeviceEvent): Carried<ScaipJob> => {
        const device = wireDeviceOf(directory, event)
        if (device._tag === "skip") return device
        const content = scaipContentFor(event, device.message, Date.now())
        return content._tag === "skip" ? content : send({ content: content.message, digits: device.message.digits })
      }

      const transmit = (job: ScaipJob, event: DeviceEvent): Promise<WireOutcome> =>
        lanes.run(event.deviceId, async (channel) => {
          const ref = nextRef()
          const bytes = new TextEncoder().encode(encodeMrq({ ...job.content, ref }, scaipStyleOf(job.digits)))
          const { attempts, answerTimeoutMs } = options.persistence
          let held = false
          for (let attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) stats.resent()
            stats.wrote()
            const sentAt = performance.now()
            const answer = await reaching(attempts, () =>
              channel.exchange(bytes, (a) => readMrs(Buffer.from(a).toString("utf8")).ref === ref, answerTimeoutMs)
            )
            if (answer === undefined) {
              stats.timedOut()
              continue
            }
            stats.answeredIn(performance.now() - sentAt)
            const mrs = readMrs(Buffer.from(answer).toString("utf8"))
            if (mrs.snu === 0) return accepted
            if (!shouldResend(mrs)) return rejected(`scaip: snu ${mrs.snu} (${statusText[mrs.snu!] ?? "unknown status"})`)
            held = true
            await sleep(options.holdMs ?? 1000)
          }
          return rejected(held ? `scaip: still "hold" (snu 4) after ${attempts} attempts` : `scaip: no <mrs> after ${attempts} attempts of ${answerTimeoutMs} ms`)
        })

      return EventSink.of({
        via: "scaip",
        deliver: (events) => deliverEach("scaip", events, prepare, transmit),
        wire: stats.summary
      })
    })
  )
