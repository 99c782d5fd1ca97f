import { Effect, Layer } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { EventSink } from "../event-sink.ts"
import type { SimFleet } from "../fleet.ts"
import { clientDropsPosition, type TrackerRequest } from "../protocols/osmand-client.ts"
import { httpSender } from "./http-exchange.ts"
import { makeLanes } from "./lanes.ts"
import { osmandRequestFor } from "./osmand-events.ts"
import { accepted, deliverEach, type Persistence, reaching, rejected, sleep, type WireOutcome } from "./wire-delivery.ts"
import { type Carried, wireDeviceOf, wireDirectory } from "./wire-device.ts"
import { makeWireStats, type WireStats } from "./wire-stats.ts"

export interface OsmAndSinkOptions {
  readonly host: string
  readonly port: number
  /** Requests in flight at once; a tracker always sends on the same lane, one report after another. */
  readonly lanes: number
  readonly persistence: Persistence
  readonly fleet: SimFleet
  /** Wait before resending a report that did not get 200 (the Traccar Client waits 30 s). */
  readonly retryMs?: number
  readonly stats?: WireStats
}

/**
 * Simulated trackers running the Traccar Client: each event becomes the client's HTTP report
 * (query string or JSON, by tracker), sent to the OsmAnd port. Only 200 lets the client drop a
 * report; a 5xx or no answer is resent, a 4xx (the tracker is not registered) refused.
 */
export const osmandSink = (options: OsmAndSinkOptions): Layer.Layer<EventSink> =>
  Layer.effect(
    EventSink,
    Effect.gen(function*() {
      const stats = options.stats ?? makeWireStats()
      const directory = wireDirectory(options.fleet)
      const base = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`
      const http = yield* Effect.acquireRelease(Effect.sync(() => httpSender(options.lanes)), (h) => Effect.sync(() => h.close()))
      const lanes = makeLanes(options.lanes, () => ({ close: () => undefined }))

      const prepare = (event: DeviceEvent): Carried<TrackerRequest> => {
        const device = wireDeviceOf(directory, event)
        return device._tag === "skip" ? device : osmandRequestFor(event, device.message)
      }

      const transmit = (request: TrackerRequest, event: DeviceEvent): Promise<WireOutcome> =>
        lanes.run(event.deviceId, async () => {
          const { attempts, answerTimeoutMs } = options.persistence
          let last = "no answer"
          for (let attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
              stats.resent()
              await sleep(options.retryMs ?? 500)
            }
            stats.wrote()
            const sentAt = performance.now()
            const answer = await reaching(attempts, () =>
              http.exchange(`${base}${request.url}`, {
                method: request.method,
                ...(request.contentType !== undefined ? { headers: { "content-type": request.contentType }, body: request.body } : {})
              }, answerTimeoutMs)
            )
            if (answer === undefined) {
              stats.timedOut()
              continue
            }
            stats.answeredIn(performance.now() - sentAt)
            if (clientDropsPosition(answer.status)) return accepted
            last = `HTTP ${answer.status}: ${answer.body.slice(0, 120)}`
            // A 4xx will not change by resending (unknown tracker, unreadable report).
            if (answer.status < 500) return rejected(`osmand: ${last}`)
          }
          return rejected(`osmand: no 200 after ${attempts} attempts (${last})`)
        })

      return EventSink.of({
        via: "osmand",
        deliver: (events) => deliverEach("osmand", events, prepare, transmit),
        wire: stats.summary
      })
    })
  )
