import { expect, layer } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { createHash } from "node:crypto"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { ServiceHttp } from "@wt/service-runtime"
import { call, ConsoleTestLayer } from "./console-fixture.ts"
import { ConsoleHttp } from "./console-http.ts"
import { inlineHashes, pageContentSecurityPolicy } from "./page-route.ts"

const directives = (csp: string | null) =>
  new Map((csp ?? "").split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]))

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("the console's security headers", (it) => {
  it.effect("the page: no inline script or style allowed, scripts from this server only, never framed, no referrer, nosniff", () =>
    Effect.gen(function*() {
      const page = yield* call("GET", "/")
      expect(page.status).toBe(200)
      const csp = directives(page.headers.get("content-security-policy"))
      expect(csp.get("script-src")).toEqual(["'self'"])
      expect(csp.get("style-src")).toEqual(["'self'"])
      expect(csp.get("default-src")).toEqual(["'self'"])
      expect(csp.get("object-src")).toEqual(["'none'"])
      expect(csp.get("frame-ancestors")).toEqual(["'none'"])
      expect(csp.get("base-uri")).toEqual(["'none'"])
      expect(page.headers.get("content-security-policy")).not.toContain("unsafe")
      expect(page.headers.get("referrer-policy")).toBe("no-referrer")
      expect(page.headers.get("x-content-type-options")).toBe("nosniff")
      expect(page.headers.get("x-frame-options")).toBe("DENY")
      // The built page has nothing inline for the policy to forbid.
      expect(page.body).not.toMatch(/<script>|<style>|\son[a-z]+=|style="/i)
    }))

  it.effect("every API answer (success, 401, 404, 413, the OpenAPI document) forbids sniffing, referrers, framing and caching", () =>
    Effect.gen(function*() {
      const answers = [
        yield* call("GET", "/api/openapi.json"),
        yield* call("GET", "/api/session"),
        yield* call("POST", "/api/session", { body: { username: "nobody-here", password: "x" } }),
        yield* call("GET", "/api/no-such-route"),
        yield* call("POST", "/api/session", { body: "x".repeat(70 * 1024) }),
        yield* call("GET", "/healthz")
      ]
      expect(answers.map((a) => a.status)).toEqual([200, 401, 401, 404, 413, 200])
      for (const a of answers) {
        expect([a.status, a.headers.get("x-content-type-options")]).toEqual([a.status, "nosniff"])
        expect([a.status, a.headers.get("referrer-policy")]).toEqual([a.status, "no-referrer"])
        expect([a.status, directives(a.headers.get("content-security-policy")).get("frame-ancestors")]).toEqual([a.status, ["'none'"]])
        expect([a.status, directives(a.headers.get("content-security-policy")).get("default-src")]).toEqual([a.status, ["'none'"]])
        expect([a.status, a.headers.get("cache-control")]).toEqual([a.status, "no-store"])
        // Plain http on loopback, no trusted proxy: no HSTS.
        expect(a.headers.get("strict-transport-security")).toBeNull()
      }
    }))

  it.effect("HSTS once behind a trusted TLS proxy (WT_TRUSTED_PROXIES and X-Forwarded-Proto: https), not for a client that only claims it", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxied = Context.get(
        yield* Layer.buildWithMemoMap(
          ConsoleHttp({ port: 0, host: "127.0.0.1", logRequests: false }).pipe(
            Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_TRUSTED_PROXIES: "127.0.0.1" } }), { asPrimary: true }))
          ),
          yield* Layer.makeMemoMap,
          yield* Effect.scope
        ),
        ServiceHttp
      )
      const viaProxy = yield* call("GET", "/", { headers: { "x-forwarded-for": "198.51.100.7", "x-forwarded-proto": "https" } })
        .pipe(Effect.provideService(ServiceHttp, proxied))
      expect(viaProxy.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8}/)
      const claimed = yield* call("GET", "/", { headers: { "x-forwarded-for": "198.51.100.7", "x-forwarded-proto": "https" } })
      expect(claimed.headers.get("strict-transport-security")).toBeNull()
    })))

  it("the fallback page (no web build) allows exactly its own inline script and style, by hash", () => {
    const page = readFileSync(new URL("./page.html", import.meta.url), "utf8")
    const hashes = inlineHashes(page)
    expect(hashes.scripts).toHaveLength(1)
    expect(hashes.styles).toHaveLength(1)
    const script = page.match(/<script>([\s\S]*?)<\/script>/)![1]!
    expect(hashes.scripts[0]).toBe(`sha256-${createHash("sha256").update(script).digest("base64")}`)
    const csp = directives(pageContentSecurityPolicy(hashes))
    expect(csp.get("script-src")).toEqual(["'self'", `'${hashes.scripts[0]}'`])
    expect(pageContentSecurityPolicy(hashes)).not.toContain("unsafe-inline")
  })
})
