import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { NetAddress } from "effect/net"
import { createServer } from "node:http"
import { bodyLimit, type BodyLimits } from "./body-limit.ts"
import { bindHostConfig, instanceConfig } from "./config.ts"
import { healthRoutes } from "./health-routes.ts"
import { answerClientErrorsAsJson, MaxPathParameterLength, RouteNotFoundAsJson } from "./http-errors.ts"
import { httpMetrics } from "./http-metrics.ts"
import { type MetricsAccess, MetricsAccessConfig } from "./metrics-access.ts"
import { quietPolls } from "./polled-routes.ts"
import type { ReadinessCheck } from "./readiness.ts"
import { securityHeaders, SecurityHeadersConfig, type SecurityHeadersSettings } from "./security-headers.ts"

export interface ServiceHttpOptions<E, R, RC> {
  /** Reported by `/healthz` and in logs. */
  readonly service: string
  /** 0 picks a free port; read the bound one from `ServiceHttp`. */
  readonly port: number
  /** Default: `WT_BIND_HOST`, else loopback (127.0.0.1). */
  readonly host?: string | undefined
  /**
   * Request body limits: 64 KiB (`DefaultBodyLimitBytes`) unless a route is listed with its
   * own. Enforced for every route, before a body is held whole (see `bodyLimit`).
   */
  readonly bodyLimits?: BodyLimits | undefined
  /** Who may read `/metrics`; default from `WT_METRICS` and `WT_METRICS_TOKEN` (loopback only). */
  readonly metrics?: MetricsAccess | undefined
  /** HSTS and trusted proxies; default from `WT_HSTS` and `WT_TRUSTED_PROXIES` (see security-headers.ts). */
  readonly security?: SecurityHeadersSettings | undefined
  /**
   * The service's own routes, served on the same port: any layer that registers with
   * `HttpRouter` — `HttpRouter.add(...)`, `HttpRouter.addAll(...)`, or an
   * `HttpApiBuilder.layer(Api)` with its handler layers provided.
   */
  readonly routes?: Layer.Layer<never, E, R> | undefined
  /** All must return `true` within ~1 s for `/readyz` to answer 200. */
  readonly readiness?: ReadonlyArray<ReadinessCheck<RC>> | undefined
  /**
   * One info line per request ("Sent HTTP response"); default true. Probes are never logged;
   * a route marked `polledRoute` is logged at debug while it answers below 400.
   */
  readonly logRequests?: boolean | undefined
}

/**
 * The HTTP face of a service process: `/healthz`, `/readyz`, `/metrics` and whatever
 * routes the service passes in, on one port. The service value tells where it listens.
 */
export class ServiceHttp extends Context.Service<ServiceHttp, {
  readonly address: NetAddress.SocketAddress
  /** Base URL to reach the server from this machine, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
}>()("wt/ServiceHttp") {
  static readonly layer = <E = never, R = never, RC = never>(options: ServiceHttpOptions<E, R, RC>) =>
    Layer.unwrap(Effect.gen(function*() {
      const host = options.host ?? (yield* bindHostConfig)
      const metrics = options.metrics ?? (yield* MetricsAccessConfig)
      const security = options.security ?? (yield* SecurityHeadersConfig)
      return ServiceHttp.serve(options, host, metrics, security, yield* instanceConfig)
    }))

  private static readonly serve = <E, R, RC>(
    options: ServiceHttpOptions<E, R, RC>,
    host: string,
    metrics: MetricsAccess,
    security: SecurityHeadersSettings,
    instance: string | undefined
  ) => {
    const app = Layer.mergeAll(
      healthRoutes({ service: options.service, readiness: options.readiness ?? [], metrics, instance }),
      options.routes ?? Layer.empty,
      // A request no route takes is answered with a JSON body like every other refusal.
      RouteNotFoundAsJson
    )
    const limitBodies = bodyLimit(options.bodyLimits ?? {})
    const secured = securityHeaders(security)
    const serving = HttpRouter.serve(app, {
      disableListenLog: true,
      disableLogger: options.logRequests === false,
      // A refused body is counted and timed like any other answer, and carries the security headers too.
      middleware: (httpApp) => secured(httpMetrics(quietPolls(limitBodies(httpApp)))),
      routerConfig: { maxParamLength: MaxPathParameterLength }
    })
    const listening = Layer.effect(ServiceHttp, Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const url = baseUrl(server.address)
      yield* Effect.logInfo("http listening").pipe(Effect.annotateLogs({ url, host }))
      return { address: server.address, url }
    }))
    return Layer.mergeAll(serving, listening).pipe(
      Layer.provide(NodeHttpServer.layer(() => answerClientErrorsAsJson(createServer()), {
        port: options.port,
        host,
        // Long enough for in-flight ingest requests, short enough for a rolling restart.
        gracefulShutdownTimeout: "10 seconds"
      }))
    )
  }
}

const baseUrl = (address: NetAddress.SocketAddress): string => {
  if (NetAddress.isUnixPathAddress(address)) return HttpServer.formatAddress(address)
  const url = new URL(NetAddress.formatUrlUnsafe(address))
  // A wildcard listener is reached through loopback.
  if (NetAddress.isUnspecified(address.address)) url.hostname = "127.0.0.1"
  return url.origin
}
