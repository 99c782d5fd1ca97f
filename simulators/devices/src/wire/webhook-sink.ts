import { randomUUID } from "node:crypto"
import { Effect, Layer, Schema } from "effect"
import type { DeviceEvent } from "@wt/contracts"
import { DemoWebhookVendors } from "@wt/registry/demo"
import { DeliveryFailed, EventSink } from "../event-sink.ts"
import type { SimFleet } from "../fleet.ts"
import { type DispenserEvent, dispenserDelivery, type SensorPlatformEvent, sensorDelivery, type WebhookRequest } from "../protocols/webhook-sender.ts"
import { httpSender } from "./http-exchange.ts"
import { makeLanes } from "./lanes.ts"
import { vendorEventFor } from "./webhook-events.ts"
import { accepted, deliveryFailed, type Persistence, reaching, rejected, sleep, tallyOutcomes, type WireOutcome } from "./wire-delivery.ts"
import { wireDeviceOf, wireDirectory } from "./wire-device.ts"
import { makeWireStats, type WireStats } from "./wire-stats.ts"

export interface WebhookSinkOptions {
  /** The gateway's base URL (the ingest port, WT_INGEST_URL). */
  readonly url: string
  /** Each vendor's signing secret; a vendor without one has its events skipped. */
  readonly secrets: Readonly<Record<string, string>>
  /** Deliveries in flight at once. */
  readonly lanes: number
  /** Events per delivery at most (a vendor batches what it has). */
  readonly maxEventsPerDelivery: number
  readonly persistence: Persistence
  readonly fleet: SimFleet
  readonly retryMs?: number
  readonly stats?: WireStats
}

/** The 200/202/400 body of `POST /v1/webhooks/{vendor}`. */
interface AnswerBody {
  readonly accepted?: ReadonlyArray<string>
  readonly rejected?: ReadonlyArray<{ readonly index: number; readonly reason: string }>
  readonly error?: string
}

const parseBody = (text: string): AnswerBody => {
  try {
    const body = JSON.parse(text) as unknown
    return typeof body === "object" && body !== null ? (body as AnswerBody) : {}
  } catch {
    return {}
  }
}

/** Refused for good: resending the same delivery cannot change the answer. */
class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

/**
 * Simulated vendor platforms: the events of a batch for dispensers go to the dispenser cloud's
 * webhook, those for sensors to the sensor platform's, each delivery signed as that vendor signs
 * (HMAC-SHA256 with the vendor's secret) and re-signed when resent. 200 stores all, 202 some (the
 * refused ones named by index), 400 none; 5xx or no answer is resent. A 401 (wrong secret) or 404
 * (the gateway has no such vendor) stops the run: no later delivery would fare better.
 */
export const webhookSink = (options: WebhookSinkOptions): Layer.Layer<EventSink> =>
  Layer.effect(
    EventSink,
    Effect.gen(function*() {
      const stats = options.stats ?? makeWireStats()
      const directory = wireDirectory(options.fleet)
      const base = options.url.replace(/\/+$/u, "")
      const http = yield* Effect.acquireRelease(Effect.sync(() => httpSender(options.lanes)), (h) => Effect.sync(() => h.close()))
      const lanes = makeLanes(options.lanes, () => ({ close: () => undefined }))
      let deliveries = 0

      const post = (vendor: string, build: (sentAtMs: number) => WebhookRequest, count: number): Promise<ReadonlyArray<WireOutcome>> =>
        lanes.run(String(deliveries++), async () => {
          const { attempts, answerTimeoutMs } = options.persistence
          let last = "no answer"
          for (let attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
              stats.resent()
              await sleep(options.retryMs ?? 500)
            }
            // Signed at each attempt: the vendor's timestamp must be within the gateway's tolerance.
            const request = build(Date.now())
            stats.wrote()
            const sentAt = performance.now()
            const answer = await reaching(attempts, () =>
              http.exchange(`${base}${request.path}`, { method: "POST", headers: request.headers, body: request.body }, answerTimeoutMs)
            )
            if (answer === undefined) {
              stats.timedOut()
              continue
            }
            stats.answeredIn(performance.now() - sentAt)
            const body = parseBody(answer.body)
            if (answer.status === 401) throw new Refused({ message: `${vendor}: 401 (${body.error ?? "refused"}): the gateway does not take this vendor's signature; check --webhook-secret or ${secretVariable(vendor)}` })
            if (answer.status === 404) throw new Refused({ message: `${vendor}: 404: the gateway has no mapping for this vendor` })
            if (answer.status === 200 || answer.status === 202 || answer.status === 400) {
              const refusedAt = new Map((body.rejected ?? []).map((r) => [r.index, r.reason]))
              return Array.from({ length: count }, (_, i) => {
                const reason = refusedAt.get(i) ?? (answer.status === 400 && refusedAt.size === 0 ? body.error ?? "400" : undefined)
                return reason === undefined ? accepted : rejected(`webhook ${vendor}: ${reason}`)
              })
            }
            last = `HTTP ${answer.status}: ${answer.body.slice(0, 120)}`
            if (answer.status < 500) return Array.from({ length: count }, () => rejected(`webhook ${vendor}: ${last}`))
          }
          return Array.from({ length: count }, () => rejected(`webhook ${vendor}: no 2xx after ${attempts} attempts (${last})`))
        })

      const deliver = (events: ReadonlyArray<DeviceEvent>) =>
        Effect.tryPromise({
          try: async () => {
            const skipped: Array<string> = []
            const dispenser: Array<DispenserEvent> = []
            const sensors: Array<SensorPlatformEvent> = []
            for (const event of events) {
              const device = wireDeviceOf(directory, event)
              const carried = device._tag === "skip" ? device : vendorEventFor(event, device.message)
              if (carried._tag === "skip") skipped.push(carried.reason)
              else if (options.secrets[carried.message.vendor] === undefined) {
                skipped.push(`webhook: no secret for ${carried.message.vendor} (--webhook-secret ${carried.message.vendor}=… or ${secretVariable(carried.message.vendor)})`)
              } else if (carried.message.vendor === DemoWebhookVendors.medication) dispenser.push(carried.message.event)
              else sensors.push(carried.message.event)
            }
            const jobs: Array<Promise<ReadonlyArray<WireOutcome>>> = []
            for (let i = 0; i < dispenser.length; i += options.maxEventsPerDelivery) {
              const chunk = dispenser.slice(i, i + options.maxEventsPerDelivery)
              const secret = options.secrets[DemoWebhookVendors.medication]!
              jobs.push(post(DemoWebhookVendors.medication, (at) => dispenserDelivery(chunk, secret, at), chunk.length))
            }
            for (let i = 0; i < sensors.length; i += options.maxEventsPerDelivery) {
              const chunk = sensors.slice(i, i + options.maxEventsPerDelivery)
              const secret = options.secrets[DemoWebhookVendors.sensor]!
              // Standard Webhooks: a resend keeps its webhook-id.
              const deliveryId = `msg_${randomUUID()}`
              jobs.push(post(DemoWebhookVendors.sensor, (at) => sensorDelivery(chunk, [secret], at, deliveryId), chunk.length))
            }
            const outcomes = (await Promise.all(jobs)).flat()
            const delivery = tallyOutcomes(outcomes)
            return { ...delivery, skipped: [...skipped, ...(delivery.skipped ?? [])] }
          },
          catch: (error) => (error instanceof Refused ? new DeliveryFailed({ via: "webhook", reason: error.message }) : deliveryFailed("webhook", error))
        })

      return EventSink.of({ via: "webhook", deliver, wire: stats.summary })
    })
  )

/** `WT_WEBHOOK_SECRET_<VENDOR>`: the vendor's name upper-cased, dashes as underscores. */
export const secretVariable = (vendor: string): string => `WT_WEBHOOK_SECRET_${vendor.toUpperCase().replace(/[^A-Z0-9]/gu, "_")}`
