import { describe, expect, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { IpNetwork } from "effect/net"
import { ServiceHttp } from "./index.ts"
import { BaseSecurityHeaders, SecurityHeadersConfig, StrictTransportSecurity } from "./security-headers.ts"

const head = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    await response.arrayBuffer()
    return { status: response.status, headers: response.headers }
  })

// A JSON route, a route that fails (500), one that sets its own policy (as the console's page does), and a large body's 413.
const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/v1/thing", HttpServerResponse.jsonUnsafe({ ok: true })),
  HttpRouter.add("GET", "/v1/broken", Effect.die(new Error("boom"))),
  HttpRouter.add("GET", "/page", HttpServerResponse.text("<p>hi</p>", {
    contentType: "text/html",
    headers: { "content-security-policy": "default-src 'self'", "cache-control": "no-cache" }
  }))
)

const serve = (security?: { readonly hsts: "auto" | "on" | "off"; readonly trustedProxies: ReadonlyArray<IpNetwork.IpNetwork> }) =>
  ServiceHttp.layer({ service: "headers-svc", port: 0, host: "127.0.0.1", routes: Routes, logRequests: false, ...(security !== undefined ? { security } : {}) })

/** Another server beside the first, built in the test's own scope. */
const another = (security: Parameters<typeof serve>[0]) =>
  Effect.gen(function*() {
    return Context.get(yield* Layer.buildWithMemoMap(serve(security), yield* Layer.makeMemoMap, yield* Effect.scope), ServiceHttp)
  })

const expectBase = (headers: Headers, except: ReadonlyArray<string> = [], what = "") => {
  for (const [name, value] of Object.entries(BaseSecurityHeaders)) {
    if (!except.includes(name)) expect([what, name, headers.get(name)]).toEqual([what, name, value])
  }
}

describe("security headers", () => {
  layer(serve({ hsts: "auto", trustedProxies: [] }), { excludeTestServices: true })("on every answer of every service", (it) => {
    it.effect("a JSON answer, a 404, a 500, a 413 and /healthz all carry nosniff, no-referrer, no framing, a deny-all CSP and no-store", () =>
      Effect.gen(function*() {
        const { url } = yield* ServiceHttp
        const answers = [
          yield* head(`${url}/v1/thing`),
          yield* head(`${url}/nowhere`),
          yield* head(`${url}/v1/broken`),
          yield* head(`${url}/v1/thing`, { method: "POST", headers: { "content-length": String(10 * 1024 * 1024) }, body: "x".repeat(10 * 1024 * 1024) }).pipe(Effect.catchDefect(() => Effect.succeed(undefined))),
          yield* head(`${url}/healthz`)
        ]
        expect(answers.map((a) => a?.status)).toEqual([200, 404, 500, expect.anything(), 200])
        for (const a of answers) if (a !== undefined) expectBase(a.headers, [], String(a.status))
        // Plain http, no trusted proxy: no HSTS.
        for (const a of answers) expect(a?.headers.get("strict-transport-security") ?? null).toBeNull()
      }))

    it.effect("a route's own policy and caching are kept; the rest is added", () =>
      Effect.gen(function*() {
        const { url } = yield* ServiceHttp
        const page = yield* head(`${url}/page`)
        expect(page.headers.get("content-security-policy")).toBe("default-src 'self'")
        expect(page.headers.get("cache-control")).toBe("no-cache")
        expectBase(page.headers, ["content-security-policy", "cache-control"])
      }))

    it.effect("X-Forwarded-Proto: https from a client that is not a trusted proxy is not believed", () =>
      Effect.gen(function*() {
        const { url } = yield* ServiceHttp
        const spoofed = yield* head(`${url}/v1/thing`, { headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" } })
        expect(spoofed.headers.get("strict-transport-security")).toBeNull()
      }))

    it.effect("behind a trusted proxy that says https, HSTS; WT_HSTS=on always; off never", () =>
      Effect.scoped(Effect.gen(function*() {
        const proxied = yield* another({ hsts: "auto", trustedProxies: [IpNetwork.fromStringUnsafe("127.0.0.0/8")] })
        const overTls = yield* head(`${proxied.url}/v1/thing`, { headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" } })
        expect(overTls.headers.get("strict-transport-security")).toBe(StrictTransportSecurity)
        const overHttp = yield* head(`${proxied.url}/v1/thing`, { headers: { "x-forwarded-proto": "http", "x-forwarded-for": "203.0.113.9" } })
        expect(overHttp.headers.get("strict-transport-security")).toBeNull()
        const always = yield* another({ hsts: "on", trustedProxies: [] })
        expect((yield* head(`${always.url}/nowhere`)).headers.get("strict-transport-security")).toBe(StrictTransportSecurity)
        const never = yield* another({ hsts: "off", trustedProxies: [IpNetwork.fromStringUnsafe("127.0.0.1/32")] })
        expect((yield* head(`${never.url}/v1/thing`, { headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" } })).headers.get("strict-transport-security")).toBeNull()
      })))
  })

  layer(Layer.empty)("settings", (it) => {
    it.effect("WT_TRUSTED_PROXIES takes addresses and networks; anything else stops the service with the reason", () =>
      Effect.gen(function*() {
        const parse = (env: Record<string, string>) => SecurityHeadersConfig.parse(ConfigProvider.fromEnv({ env }))
        const ok = yield* parse({ WT_TRUSTED_PROXIES: "10.0.0.0/8, 127.0.0.1 ,::1", WT_HSTS: "on" })
        expect(ok.hsts).toBe("on")
        expect(ok.trustedProxies).toHaveLength(3)
        expect((yield* parse({})).trustedProxies).toEqual([])
        expect((yield* parse({})).hsts).toBe("auto")
        const bad = yield* Effect.flip(parse({ WT_TRUSTED_PROXIES: "10.0.0.0/8,proxy.example" }))
        expect(bad.message).toContain("proxy.example")
        yield* Effect.flip(parse({ WT_HSTS: "sometimes" }))
      }))
  })
})
