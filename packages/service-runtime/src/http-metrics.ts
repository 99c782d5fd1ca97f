import { Effect, Metric } from "effect"
import { HttpServerError, HttpServerRequest } from "effect/http"
import type { HttpServerResponse } from "effect/http"
import { latencyHistogram, seriesOf, totalCounter } from "@wt/observability"

// A series per method and status, made once: binding the attributes anew cost every request a metric key.
const requests = seriesOf(totalCounter("http_requests_total", { description: "HTTP requests answered, by method and status" }))
const duration = seriesOf(latencyHistogram("http_request_duration_ms", { description: "Time to produce an HTTP response, ms" }))

/**
 * Counts and times every request. Labelled by method and status only: the raw path would
 * carry incident and device ids and make a series per id.
 */
export const httpMetrics = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const startedAt = performance.now()
    return Effect.onExit(app, (exit) => {
      const attributes = { method: request.method, status: String(HttpServerError.exitResponse(exit).status) }
      return Effect.all([
        Metric.update(requests(attributes), 1),
        Metric.update(duration(attributes), performance.now() - startedAt)
      ], { discard: true })
    })
  })
