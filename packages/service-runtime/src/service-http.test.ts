import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Metric, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { totalCounter } from "@wt/observability"
import { ServiceHttp } from "./index.ts"

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() }
  })

// A service's own plain route, the way the gateway adds its ingest endpoint.
const IngestRoute = HttpRouter.add("POST", "/v1/events", (request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(request.json, (body) =>
    HttpServerResponse.jsonUnsafe({ accepted: Array.isArray(body) ? body.length : 1 }, { status: 202 })
  ).pipe(Effect.orDie))

// And an HttpApi, the way the console serves /api/... with OpenAPI.
class ProbeApi extends HttpApi.make("probe").add(
  HttpApiGroup.make("system").add(HttpApiEndpoint.get("ping", "/ping", { success: Schema.Struct({ pong: Schema.Boolean }) }))
    .prefix("/api")
) {}
const ProbeApiRoutes = HttpApiBuilder.layer(ProbeApi, { openapiPath: "/api/openapi.json" }).pipe(
  Layer.provide(HttpApiBuilder.group(ProbeApi, "system", (handlers) => handlers.handle("ping", () => Effect.succeed({ pong: true }))))
)

let natsReady = false

layer(
  ServiceHttp.layer({
    service: "test-svc",
    port: 0,
    routes: Layer.mergeAll(IngestRoute, ProbeApiRoutes),
    readiness: [
      { name: "nats", check: Effect.sync(() => natsReady) },
      { name: "migrations", check: Effect.succeed(true) }
    ]
  }),
  { excludeTestServices: true }
)("ServiceHttp", (it) => {
  it.effect("GET /healthz answers 200 with the service name", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const response = yield* get(`${url}/healthz`)
      expect(response.status).toBe(200)
      expect(JSON.parse(response.body)).toEqual({ status: "ok", service: "test-svc" })
    }))

  it.effect("GET /readyz answers 503 naming the failing check, then 200 once it passes", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      natsReady = false
      const before = yield* get(`${url}/readyz`)
      expect(before.status).toBe(503)
      expect(JSON.parse(before.body)).toEqual({ ready: false, checks: { nats: false, migrations: true }, failing: ["nats"] })

      natsReady = true
      const after = yield* get(`${url}/readyz`)
      expect(after.status).toBe(200)
      expect(JSON.parse(after.body)).toEqual({ ready: true, checks: { nats: true, migrations: true } })
    }))

  it.effect("GET /metrics serves Prometheus text including a counter the service incremented", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      yield* Metric.update(totalCounter("wt_test_alarms_total", { description: "alarms seen in this test" }), 7)
      const response = yield* get(`${url}/metrics`)
      expect(response.status).toBe(200)
      expect(response.contentType).toBe("text/plain; version=0.0.4; charset=utf-8")
      expect(response.body).toContain("# TYPE wt_test_alarms_total counter")
      expect(response.body).toMatch(/^wt_test_alarms_total 7$/m)
      // Earlier requests in this file were counted by the built-in HTTP metrics.
      expect(response.body).toMatch(/^http_requests_total\{method="GET",status="200"\} [1-9]/m)
    }))

  it.effect("serves the service's own routes on the same port: a plain route and an HttpApi", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const ingest = yield* Effect.promise(() =>
        fetch(`${url}/v1/events`, { method: "POST", body: JSON.stringify([{ id: "a" }, { id: "b" }]), headers: { "content-type": "application/json" } })
          .then(async (r) => ({ status: r.status, body: await r.json() }))
      )
      expect(ingest).toEqual({ status: 202, body: { accepted: 2 } })

      const ping = yield* get(`${url}/api/ping`)
      expect(ping.status).toBe(200)
      expect(JSON.parse(ping.body)).toEqual({ pong: true })

      const openapi = yield* get(`${url}/api/openapi.json`)
      expect(JSON.parse(openapi.body).paths).toHaveProperty("/api/ping")

      const missing = yield* get(`${url}/nope`)
      expect(missing.status).toBe(404)
    }))
})

describe("ServiceHttp readiness timeouts", () => {
  it.live("a check that hangs counts as not ready after about a second", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const startedAt = Date.now()
      const response = yield* get(`${url}/readyz`)
      const elapsed = Date.now() - startedAt
      expect(response.status).toBe(503)
      expect(JSON.parse(response.body)).toMatchObject({ failing: ["hung", "broken"], checks: { hung: false, broken: false, ok: true } })
      expect(elapsed).toBeGreaterThanOrEqual(900)
      expect(elapsed).toBeLessThan(3000)
    }).pipe(Effect.provide(ServiceHttp.layer({
      service: "slow-svc",
      port: 0,
      host: "127.0.0.1",
      readiness: [
        { name: "hung", check: Effect.never },
        { name: "broken", check: Effect.fail(new Error("connection refused")) },
        { name: "ok", check: Effect.succeed(true) }
      ]
    }))))
})
