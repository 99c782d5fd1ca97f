import { Effect, Layer } from "effect"
import { HttpMiddleware, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { prometheusContentType, renderPrometheus } from "@wt/observability"
import { type MetricsAccess, metricsVerdict } from "./metrics-access.ts"
import { evaluateReadiness, type ReadinessCheck } from "./readiness.ts"

/** The header by which /healthz and /readyz say which process answered (`WT_INSTANCE`, set by the launcher). */
export const InstanceHeader = "wt-instance"

/**
 * `GET /healthz` (alive), `GET /readyz` (every readiness check passes) and `GET /metrics`
 * (Prometheus, to whom `metrics` lets in; `?name=<family>`, repeatable, renders only those). Probes and scrapes arrive every few seconds, so
 * they are not request-logged. With `instance`, the probes carry it in {@link InstanceHeader}:
 * a launcher that waits for its own process is not answered "ready" by another one that holds the port.
 */
export const healthRoutes = <R>(options: {
  readonly service: string
  readonly readiness: ReadonlyArray<ReadinessCheck<R>>
  readonly metrics: MetricsAccess
  readonly instance?: string | undefined
}): Layer.Layer<never, never, HttpRouter.HttpRouter | R> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      // Resolve the checks' services once, so the routes need nothing at request time.
      const context = yield* Effect.context<R>()
      const checks = options.readiness
      let wasReady: boolean | undefined
      const instance = options.instance
      const signed = (response: HttpServerResponse.HttpServerResponse) =>
        instance === undefined ? response : HttpServerResponse.setHeader(response, InstanceHeader, instance)

      const readyz = Effect.gen(function*() {
        const readiness = yield* evaluateReadiness(checks).pipe(Effect.provideContext(context))
        if (readiness.ready !== wasReady) {
          wasReady = readiness.ready
          yield* readiness.ready
            ? Effect.logInfo("ready")
            : Effect.logWarning("not ready").pipe(Effect.annotateLogs("failing", readiness.failing.join(",")))
        }
        return signed(HttpServerResponse.jsonUnsafe(
          readiness.ready
            ? { ready: true, checks: readiness.checks }
            : { ready: false, checks: readiness.checks, failing: readiness.failing },
          { status: readiness.ready ? 200 : 503 }
        ))
      })

      const metrics = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        switch (metricsVerdict(options.metrics, request)) {
          case "answer":
            // `?name=<family>` (repeatable): only those families, for a poller that wants one.
            return Effect.map(
              renderPrometheus({ families: new URL(request.url, "http://metrics").searchParams.getAll("name") }),
              (body) => HttpServerResponse.text(body, { contentType: prometheusContentType })
            )
          case "off":
            return Effect.succeed(HttpServerResponse.jsonUnsafe({ error: "metrics are off here (WT_METRICS=off)" }, { status: 404 }))
          case "forbidden":
            return Effect.succeed(HttpServerResponse.jsonUnsafe({
              error: "metrics are answered only to a client on this machine (WT_METRICS=loopback) or to Authorization: Bearer <WT_METRICS_TOKEN>"
            }, { status: 403 }))
        }
      })

      yield* router.addAll([
        HttpRouter.route("GET", "/healthz", HttpMiddleware.withLoggerDisabled(
          Effect.succeed(signed(HttpServerResponse.jsonUnsafe({ status: "ok", service: options.service })))
        )),
        HttpRouter.route("GET", "/readyz", HttpMiddleware.withLoggerDisabled(readyz)),
        HttpRouter.route("GET", "/metrics", HttpMiddleware.withLoggerDisabled(metrics))
      ])
    })
  )
