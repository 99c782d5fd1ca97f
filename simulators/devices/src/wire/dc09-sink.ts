import { Effect, Layer } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { demoDc09Key, demoEncrypts } from "@wt/registry/demo"
import { EventSink } from "../event-sink.ts"
import type { SimFleet } from "../fleet.ts"
import { answers, type Dc09Message, encodeDc09, readDc09Reply } from "../protocols/dc09-transmitter.ts"
import { type AnswerChannel, dc09Answers, tcpChannel, udpChannel } from "./answer-channel.ts"
import { type Dc09Content, dc09ContentFor } from "./dc09-events.ts"
import { makeLanes } from "./lanes.ts"
import { accepted, deliverEach, type Persistence, reaching, rejected, type WireOutcome } from "./wire-delivery.ts"
import { type Carried, send, skip, wireDeviceOf, wireDirectory } from "./wire-device.ts"
import { makeWireStats, type WireStats } from "./wire-stats.ts"

export interface Dc09SinkOptions {
  readonly host: string
  readonly port: number
  readonly transport: "tcp" | "udp"
  /** Connections (TCP) or sockets (UDP) held open; a unit always sends on the same one. */
  readonly lanes: number
  readonly persistence: Persistence
  readonly fleet: SimFleet
  /** What the demo's DC-09 keys derive from (demo-secrets.json); without it, encrypting units are skipped. */
  readonly keySecret: string | undefined
  /** The receiver's account prefix the units are programmed with. */
  readonly line?: string
  readonly stats?: WireStats
}

interface Dc09Job {
  readonly account: string
  readonly content: Dc09Content
  readonly key: Uint8Array | undefined
}

/**
 * Simulated DC-09 transmitters: each event becomes the frame its unit would send (Contact ID or SIA,
 * encrypted for the accounts that have keys), written on the unit's connection (TCP, kept open and
 * reused, or UDP); the unit waits for the answer and resends the same sequence number when none
 * comes, as the standard asks. ACK is accepted, DUH refused; a NAK (our clock outside the
 * receiver's window) is resent with a fresh timestamp.
 */
export const dc09Sink = (options: Dc09SinkOptions): Layer.Layer<EventSink> =>
  Layer.effect(
    EventSink,
    Effect.gen(function*() {
      const stats = options.stats ?? makeWireStats()
      const directory = wireDirectory(options.fleet)
      const line = options.line ?? "1"
      const lanes = yield* Effect.acquireRelease(
        Effect.sync(() =>
          makeLanes<AnswerChannel>(options.lanes, () =>
            options.transport === "tcp"
              ? tcpChannel({ host: options.host, port: options.port, split: dc09Answers, onStray: stats.strayAnswer })
              : udpChannel({ host: options.host, port: options.port, onStray: stats.strayAnswer })
          )
        ),
        (l) => Effect.sync(() => l.close())
      )
      const sequences = new Map<string, number>()
      const nextSequence = (account: string) => {
        const n = ((sequences.get(account) ?? 0) % 9999) + 1
        sequences.set(account, n)
        return n
      }
      const keys = new Map<string, Uint8Array>()
      const keyOf = (account: string, secret: string) => {
        let key = keys.get(account)
        if (key === undefined) keys.set(account, key = new Uint8Array(Buffer.from(demoDc09Key(secret, account), "hex")))
        return key
      }

      const prepare = (event: DeviceEvent): Carried<Dc09Job> => {
        const device = wireDeviceOf(directory, event)
        if (device._tag === "skip") return device
        const content = dc09ContentFor(event, device.message)
        if (content._tag === "skip") return content
        const account = device.message.digits
        if (!demoEncrypts(account)) return send({ account, content: content.message, key: undefined })
        if (options.keySecret === undefined) {
          return skip("dc09: the unit encrypts and no dc09KeySecret was found (--data-dir / WT_DATA_DIR demo-secrets.json)")
        }
        return send({ account, content: content.message, key: keyOf(account, options.keySecret) })
      }

      const transmit = (job: Dc09Job, event: DeviceEvent): Promise<WireOutcome> =>
        lanes.run(event.deviceId, async (channel) => {
          const sequence = nextSequence(job.account)
          const { attempts, answerTimeoutMs } = options.persistence
          let lastNak = false
          for (let attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) stats.resent()
            // A fresh timestamp on every attempt: an encrypted frame must be within the receiver's window.
            const message: Dc09Message = {
              type: job.content.type,
              sequence,
              line,
              account: job.account,
              data: job.content.data,
              timestamp: new Date(),
              ...(job.key !== undefined ? { key: job.key } : {})
            }
            const bytes = encodeDc09(message)
            stats.wrote()
            const sentAt = performance.now()
            const answer = await reaching(attempts, () =>
              channel.exchange(bytes, (a) => answers(readDc09Reply(a, job.key), message), answerTimeoutMs)
            )
            if (answer === undefined) {
              stats.timedOut()
              continue
            }
            stats.answeredIn(performance.now() - sentAt)
            const reply = readDc09Reply(answer, job.key)
            if (reply.kind === "ACK") return accepted
            if (reply.kind === "DUH") return rejected(`dc09: DUH for account ${job.account} (unknown, or its frame could not be processed)`)
            lastNak = true
          }
          return rejected(
            lastNak
              ? `dc09: NAK on every attempt (the receiver's clock is far from ours)`
              : `dc09: no ACK after ${attempts} attempts of ${answerTimeoutMs} ms (${options.transport})`
          )
        })

      return EventSink.of({
        via: "dc09",
        deliver: (events) => deliverEach("dc09", events, prepare, transmit),
        wire: stats.summary
      })
    })
  )
