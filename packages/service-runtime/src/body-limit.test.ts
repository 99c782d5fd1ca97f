import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { bodyLimitOf, DefaultBodyLimitBytes } from "./body-limit.ts"
import { ServiceHttp } from "./index.ts"
import { uploadUntilRefused } from "./testing.ts"

const MiB = 1024 * 1024

// A plain route that reads its body as JSON, the way the responder API does.
const EchoRoute = HttpRouter.add("POST", "/echo", (request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(request.text, (text) => HttpServerResponse.jsonUnsafe({ bytes: text.length })).pipe(Effect.orDie))
// The same with a larger limit of its own.
const BigRoute = HttpRouter.add("POST", "/v1/big", (request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(request.text, (text) => HttpServerResponse.jsonUnsafe({ bytes: text.length })).pipe(Effect.orDie))
// A route that reads its own body under the limit given to it and answers an overflow itself (the gateway's way).
const OwnRoute = HttpRouter.add("POST", "/v1/own", (request: HttpServerRequest.HttpServerRequest) =>
  request.arrayBuffer.pipe(
    Effect.map((buffer) => HttpServerResponse.jsonUnsafe({ bytes: buffer.byteLength })),
    Effect.catch(() => Effect.succeed(HttpServerResponse.jsonUnsafe({ own: "too large" }, { status: 413 })))
  ))

// An HttpApi payload, the way the console takes its commands: HttpApi turns a failed body read into a 500.
class EchoApi extends HttpApi.make("echo").add(
  HttpApiGroup.make("echo").add(
    HttpApiEndpoint.post("echo", "/api/echo", { payload: Schema.Struct({ text: Schema.String }), success: Schema.Struct({ length: Schema.Number }) })
  )
) {}
const EchoApiRoutes = HttpApiBuilder.layer(EchoApi).pipe(
  Layer.provide(HttpApiBuilder.group(EchoApi, "echo", (handlers) => handlers.handle("echo", ({ payload }) => Effect.succeed({ length: payload.text.length }))))
)

const Server = ServiceHttp.layer({
  service: "limits-svc",
  port: 0,
  host: "127.0.0.1",
  logRequests: false,
  routes: Layer.mergeAll(EchoRoute, BigRoute, OwnRoute, EchoApiRoutes),
  bodyLimits: {
    routes: [
      { method: "POST", path: "/v1/big", maxBytes: MiB },
      { method: "POST", path: "/v1/own", maxBytes: MiB, readByRoute: true }
    ]
  }
})

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })
    return { status: response.status, body: await response.json() as Record<string, unknown> }
  })

describe("bodyLimitOf", () => {
  it("takes a route's own limit, by method and exact path or prefix, else the default", () => {
    const limits = { routes: [{ method: "POST", path: "/v1/events", maxBytes: MiB }, { method: "POST", path: "/v1/webhooks/*", maxBytes: 2 * MiB }] }
    expect(bodyLimitOf(limits, "POST", "/v1/events?x=1").maxBytes).toBe(MiB)
    expect(bodyLimitOf(limits, "POST", "/v1/webhooks/acme").maxBytes).toBe(2 * MiB)
    expect(bodyLimitOf(limits, "PUT", "/v1/events").maxBytes).toBe(DefaultBodyLimitBytes)
    expect(bodyLimitOf(limits, "POST", "/v1/events/more").maxBytes).toBe(DefaultBodyLimitBytes)
    expect(bodyLimitOf(limits, "POST", "/v1/webhooks").maxBytes).toBe(DefaultBodyLimitBytes)
    expect(bodyLimitOf({}, "POST", "/api/session").maxBytes).toBe(64 * 1024)
  })
})

layer(Server, { excludeTestServices: true, timeout: "60 seconds" })("request body limits", (it) => {
  it.effect("a body within the limit reaches the route whole, on a plain route and an HttpApi route", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const text = "x".repeat(60 * 1024)
      expect(yield* post(`${url}/echo`, JSON.stringify(text))).toEqual({ status: 200, body: { bytes: text.length + 2 } })
      expect(yield* post(`${url}/api/echo`, JSON.stringify({ text }))).toEqual({ status: 200, body: { length: text.length } })
      // Chunked (no declared length) within the limit, too.
      const chunked = yield* Effect.promise(() => uploadUntilRefused(url, { path: "/echo", bytes: 32 * 1024, chunked: true }))
      expect(chunked.status).toBe(200)
    }))

  it.effect("a declared Content-Length of 150 MiB is answered 413 with a JSON reason before the body is sent, and the upload is cut short", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const rssBefore = process.memoryUsage().rss
      const result = yield* Effect.promise(() => uploadUntilRefused(url, { path: "/echo", bytes: 150 * MiB }))
      expect(result.status).toBe(413)
      expect(JSON.parse(result.body)).toEqual({
        error: `request body of ${150 * MiB} bytes is over the 64 KiB limit of POST /echo`,
        limitBytes: 64 * 1024
      })
      // The answer came while the client had sent next to nothing, and the server then closed
      // the connection instead of reading (or draining) the rest.
      expect(result.sentBeforeAnswer).toBeLessThan(16 * MiB)
      expect(result.cutShort).toBe(true)
      expect(result.sent).toBeLessThan(16 * MiB)
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MiB)
    }))

  it.effect("a chunked body that passes the limit is cut off there and answered 413, on a plain route and an HttpApi route", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      for (const path of ["/echo", "/api/echo"]) {
        const result = yield* Effect.promise(() => uploadUntilRefused(url, { path, bytes: 150 * MiB, chunked: true }))
        expect([path, result.status]).toEqual([path, 413])
        expect(JSON.parse(result.body)).toEqual({ error: `request body is over the 64 KiB limit of POST ${path}`, limitBytes: 64 * 1024 })
        expect(result.cutShort).toBe(true)
        expect(result.sent).toBeLessThan(16 * MiB)
      }
    }))

  it.effect("a route with a larger limit of its own takes what the default would refuse, and refuses past its own", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const text = "x".repeat(512 * 1024)
      expect((yield* post(`${url}/echo`, JSON.stringify(text))).status).toBe(413)
      expect(yield* post(`${url}/v1/big`, JSON.stringify(text))).toEqual({ status: 200, body: { bytes: text.length + 2 } })
      const over = yield* Effect.promise(() => uploadUntilRefused(url, { path: "/v1/big", bytes: 150 * MiB, chunked: true }))
      expect(over.status).toBe(413)
      expect(JSON.parse(over.body).limitBytes).toBe(MiB)
      expect(over.cutShort).toBe(true)
    }))

  it.effect("a route that reads its own body gets the limit to read under, and answers an overflow its own way", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      expect(yield* post(`${url}/v1/own`, JSON.stringify("x".repeat(512 * 1024)))).toEqual({ status: 200, body: { bytes: 512 * 1024 + 2 } })
      const over = yield* Effect.promise(() => uploadUntilRefused(url, { path: "/v1/own", bytes: 150 * MiB, chunked: true }))
      expect(over.status).toBe(413)
      expect(JSON.parse(over.body)).toEqual({ own: "too large" })
      expect(over.sent).toBeLessThan(16 * MiB)
    }))

  it.effect("the server still answers other requests afterwards, and counts the 413s", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      expect((yield* post(`${url}/api/echo`, JSON.stringify({ text: "ok" }))).status).toBe(200)
      const metrics = yield* Effect.promise(() => fetch(`${url}/metrics`).then((r) => r.text()))
      expect(metrics).toMatch(/^http_requests_total\{method="POST",status="413"\} [1-9]/m)
      // One family asked for by name: those lines alone.
      const family = yield* Effect.promise(() => fetch(`${url}/metrics?name=http_requests_total`).then((r) => r.text()))
      expect(family).toMatch(/^http_requests_total\{method="POST",status="413"\} [1-9]/m)
      expect(family.split("\n").filter((l) => l !== "" && !l.startsWith("#")).every((l) => l.startsWith("http_requests_total{"))).toBe(true)
      expect(metrics).toMatch(/^process_resident_memory_bytes /m)
      expect(family).not.toMatch(/^process_resident_memory_bytes /m)
    }))
})
