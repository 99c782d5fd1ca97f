import { Effect, Layer, Redacted, Schedule, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import type { DeviceEvent } from "@wt/contracts"
import { DeliveryFailed, EventSink } from "./event-sink.ts"

export interface HttpIngestOptions {
  /** Base URL of the ingest gateway, e.g. http://127.0.0.1:8081 (`WT_INGEST_URL`). */
  readonly url: string
  /** The tenant's ingest key (`WT_INGEST_KEY`). */
  readonly key: Redacted.Redacted<string>
}

/** The 202 (and 400) body of `POST /v1/events` (contract). */
const IngestReply = Schema.Struct({
  accepted: Schema.Array(Schema.String),
  rejected: Schema.Array(Schema.Struct({ index: Schema.Number, reason: Schema.String }))
})
const decodeReply = Schema.decodeUnknownExit(IngestReply)

/** The contract allows at most this many events per request. */
export const MaxIngestBatch = 1000

const failed = (reason: string) => new DeliveryFailed({ via: "http", reason })

/**
 * Sends batches to `POST /v1/events`. Transient failures (network, 429, 5xx) are retried
 * with backoff: the gateway de-duplicates by event id, so a retry cannot double-count.
 */
export const httpIngestSink = (options: HttpIngestOptions): Layer.Layer<EventSink> =>
  Layer.effect(
    EventSink,
    Effect.gen(function*() {
      const client = (yield* HttpClient.HttpClient).pipe(
        HttpClient.retryTransient({ schedule: Schedule.exponential("200 millis"), times: 5 })
      )
      const endpoint = `${options.url.replace(/\/+$/u, "")}/v1/events`

      const deliver = Effect.fn("HttpIngestSink.deliver")(function*(events: ReadonlyArray<DeviceEvent>) {
        if (events.length > MaxIngestBatch) return yield* failed(`batch of ${events.length} exceeds ${MaxIngestBatch}`)
        const response = yield* HttpClientRequest.post(endpoint).pipe(
          HttpClientRequest.bearerToken(options.key),
          HttpClientRequest.bodyJsonUnsafe(events),
          client.execute,
          Effect.timeout("30 seconds"),
          Effect.mapError((error) => failed(`${endpoint}: ${error.message}`))
        )
        const text = yield* response.text.pipe(Effect.mapError((error) => failed(error.message)))
        if (response.status === 401 || response.status === 403) {
          return yield* failed(`${response.status}: the ingest key was refused (set WT_INGEST_KEY or --key; pnpm start prints the demo key)`)
        }
        if (response.status !== 202 && response.status !== 200 && response.status !== 400) {
          return yield* failed(`unexpected ${response.status}: ${text.slice(0, 300)}`)
        }
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          body = undefined
        }
        const reply = decodeReply(body)
        if (reply._tag === "Success") {
          return {
            accepted: reply.value.accepted.length,
            rejected: reply.value.rejected.length,
            duplicates: 0,
            reasons: reply.value.rejected.map((r) => r.reason)
          }
        }
        // 400 means nothing was accepted, whatever shape its body has.
        if (response.status === 400) {
          return { accepted: 0, rejected: events.length, duplicates: 0, reasons: events.map(() => `400: ${text.slice(0, 200)}`) }
        }
        return yield* failed(`${response.status} with a body that is not {accepted, rejected}: ${text.slice(0, 300)}`)
      })

      return EventSink.of({ via: "http", deliver })
    })
  ).pipe(Layer.provide(FetchHttpClient.layer))
