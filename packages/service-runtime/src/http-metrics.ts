import { Effect, Metric } from "effect"
import { HttpServerError, HttpServerRequest } from "effect/http"
import type { HttpServerResponse } from "effect/http"
import { latencyHistogram, totalCounter } from "@wt/observability"

const requests = totalCounter("http_requests_total", { description: "HTTP requests answered, by method and status" })
const duration = latencyHistogram("http_request_duration_ms", { description: "Time to produce an HTTP response, ms" })

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
        Metric.update(Metric.withAttributes(requests, attributes), 1),
        Metric.update(Metric.withAttributes(duration, attributes), performance.now() - startedAt)
      ], { discard: true })
    })
  })
