import { expect, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { ServiceHttp } from "@wt/service-runtime"
import { uploadUntilRefused } from "@wt/service-runtime/testing"
import { call, ConsoleTestLayer, password, signIn } from "./console-fixture.ts"
import { ConsoleHttp } from "./console-http.ts"

const MiB = 1024 * 1024

// Every route behind a session, with a body good enough to get past validation.
const protectedRoutes: ReadonlyArray<readonly [string, string, unknown?]> = [
  ["GET", "/api/session"],
  ["DELETE", "/api/session"],
  ["GET", "/api/incidents"],
  ["GET", "/api/incidents?status=open"],
  ["GET", "/api/incidents/inc-x"],
  ["GET", "/api/incidents/inc-x/timeline"],
  ["POST", "/api/incidents/inc-x/claim", {}],
  ["POST", "/api/incidents/inc-x/resolve", {}],
  ["POST", "/api/incidents/inc-x/cancel", { reason: "false alarm" }],
  ["POST", "/api/incidents/inc-x/note", { text: "called the resident" }],
  ["GET", "/api/stream"]
]

layer(ConsoleTestLayer, { excludeTestServices: true })("console sessions", (it) => {
  it.effect("signing in from a non-browser client answers the token and user, and sets an HttpOnly SameSite=Strict cookie, Secure by default", () =>
    Effect.gen(function*() {
      // Node's fetch, like curl or a CLI: no Origin, no Sec-Fetch-Site/-Dest (undici sends only sec-fetch-mode).
      const answer = yield* call("POST", "/api/session", { body: { username: "operator", password } })
      expect(answer.status).toBe(200)
      expect(answer.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(answer.body.user).toEqual({ id: "user-operator", username: "operator", displayName: "Demo Operator", role: "operator", tenants: ["demo"] })
      const cookie = answer.headers.get("set-cookie") ?? ""
      expect(cookie).toContain(`wt_session=${answer.body.token}`)
      expect(cookie).toMatch(/HttpOnly/i)
      expect(cookie).toMatch(/SameSite=Strict/i)
      expect(cookie).toMatch(/Path=\//i)
      expect(cookie).toMatch(/;\s*Secure(;|$)/i)
    }))

  it.effect("a browser's sign-in (Origin, or Sec-Fetch-Site/-Dest) gets the cookie and the user, but no token in the body", () =>
    Effect.gen(function*() {
      const browsers: ReadonlyArray<Record<string, string>> = [
        // What a page's fetch POST carries in Chromium, Firefox and Safari; a script can set none of these.
        { origin: "http://localhost:8080", "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" },
        { origin: "http://localhost:8080" },
        { "sec-fetch-site": "same-origin" },
        { "sec-fetch-dest": "empty" }
      ]
      for (const headers of browsers) {
        const answer = yield* call("POST", "/api/session", { body: { username: "operator", password }, headers })
        expect([headers, answer.status]).toEqual([headers, 200])
        expect([headers, Object.keys(answer.body)]).toEqual([headers, ["user"]])
        expect(answer.body.user.username).toBe("operator")
        const token = (answer.headers.get("set-cookie") ?? "").match(/wt_session=([^;]+)/)?.[1]
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
        // The cookie is the whole session: it works on its own.
        expect((yield* call("GET", "/api/session", { cookie: `wt_session=${token}`, headers })).body.username).toBe("operator")
      }
    }))

  it.effect("only with WT_COOKIE_SECURE=false (local development over http) is the cookie not Secure", () =>
    Effect.scoped(Effect.gen(function*() {
      // A second console beside the first, with its own memo map, as another process would be.
      const local = Context.get(
        yield* Layer.buildWithMemoMap(
          ConsoleHttp({ port: 0, host: "127.0.0.1", logRequests: false }).pipe(
            Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_COOKIE_SECURE: "false" } }), { asPrimary: true }))
          ),
          yield* Layer.makeMemoMap,
          yield* Effect.scope
        ),
        ServiceHttp
      )
      const answer = yield* call("POST", "/api/session", { body: { username: "operator", password }, headers: { origin: local.url } })
        .pipe(Effect.provideService(ServiceHttp, local))
      expect(answer.status).toBe(200)
      const cookie = answer.headers.get("set-cookie") ?? ""
      expect(cookie).toMatch(/wt_session=[A-Za-z0-9_-]{43}/)
      expect(cookie).not.toMatch(/Secure/i)
    })))

  it.effect("an unauthenticated sign-in of 150 MiB is answered 413 at once, and the console stops reading it", () =>
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      const rssBefore = process.memoryUsage().rss
      for (const chunked of [false, true]) {
        const refused = yield* Effect.promise(() => uploadUntilRefused(url, { path: "/api/session", bytes: 150 * MiB, chunked }))
        expect([chunked, refused.status]).toEqual([chunked, 413])
        expect(JSON.parse(refused.body)).toMatchObject({ limitBytes: 64 * 1024 })
        // The client's upload is cut short: the console answered and closed instead of reading on.
        expect(refused.cutShort).toBe(true)
        expect(refused.sent).toBeLessThan(16 * MiB)
        if (!chunked) expect(refused.sentBeforeAnswer).toBeLessThan(16 * MiB)
      }
      // Nothing near 150 MiB was ever held (the console runs in this process here).
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MiB)
      // And it still signs people in.
      expect((yield* call("POST", "/api/session", { body: { username: "operator", password } })).status).toBe(200)
    }))

  it.effect("a wrong password or an unknown user is 401", () =>
    Effect.gen(function*() {
      const wrong = yield* call("POST", "/api/session", { body: { username: "operator", password: "nope" } })
      expect(wrong.status).toBe(401)
      expect(wrong.headers.get("set-cookie")).toBeNull()
      const unknown = yield* call("POST", "/api/session", { body: { username: "nobody", password } })
      expect(unknown.status).toBe(401)
    }))

  it.effect("every /api route answers 401 without a session, and with an unknown token", () =>
    Effect.gen(function*() {
      for (const [method, path, body] of protectedRoutes) {
        const anonymous = yield* call(method, path, body === undefined ? {} : { body })
        expect([method, path, anonymous.status]).toEqual([method, path, 401])
        const forged = yield* call(method, path, { token: "A".repeat(43), ...(body === undefined ? {} : { body }) })
        expect([method, path, forged.status]).toEqual([method, path, 401])
      }
    }))

  it.effect("the token works as a bearer token and as the cookie", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("supervisor")
      const byBearer = yield* call("GET", "/api/session", { token })
      expect(byBearer.status).toBe(200)
      expect(byBearer.body.role).toBe("supervisor")
      const byCookie = yield* call("GET", "/api/incidents", { cookie: `wt_session=${token}` })
      expect(byCookie.status).toBe(200)
      expect(Array.isArray(byCookie.body)).toBe(true)
    }))

  it.effect("signing out ends the session for every later request and clears the cookie", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("operator2")
      const out = yield* call("DELETE", "/api/session", { cookie: `wt_session=${token}` })
      expect(out.status).toBe(204)
      expect(out.headers.get("set-cookie")).toMatch(/wt_session=;.*Max-Age=0/i)
      expect(out.headers.get("set-cookie")).toMatch(/;\s*Secure(;|$)/i)
      expect((yield* call("GET", "/api/session", { token })).status).toBe(401)
    }))

  it.effect("a POST that is not JSON is refused (CSRF: cross-site forms cannot send JSON)", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("operator")
      const form = yield* call("POST", "/api/incidents/inc-x/claim", { cookie: `wt_session=${token}`, body: "a=1", contentType: "application/x-www-form-urlencoded" })
      expect(form.status).toBe(415)
      const plain = yield* call("POST", "/api/session", { body: JSON.stringify({ username: "operator", password }), contentType: "text/plain" })
      expect(plain.status).toBe(415)
    }))

  it.effect("/api/openapi.json documents the API's paths", () =>
    Effect.gen(function*() {
      const doc = yield* call("GET", "/api/openapi.json")
      expect(doc.status).toBe(200)
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining([
        "/api/session",
        "/api/incidents",
        "/api/incidents/{id}",
        "/api/incidents/{id}/timeline",
        "/api/incidents/{id}/claim",
        "/api/incidents/{id}/resolve",
        "/api/incidents/{id}/cancel",
        "/api/incidents/{id}/note"
      ]))
      expect(Object.keys(doc.body.components.securitySchemes ?? {})).toEqual(expect.arrayContaining(["cookie", "bearer"]))
    }))

  it.effect("serves the web app (page and its own assets only) at / and health, readiness and metrics beside the API", () =>
    Effect.gen(function*() {
      const page = yield* call("GET", "/")
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect(page.headers.get("content-security-policy")).toContain("default-src 'self'")
      expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//)
      const script = (page.body as string).match(/src="(\/assets\/[^"]+\.js)"/)?.[1]
      expect(script).toBeDefined()
      const bundle = yield* call("GET", script!)
      expect(bundle.status).toBe(200)
      expect(bundle.headers.get("content-type")).toContain("javascript")
      expect(bundle.body).toContain("/api/stream")
      expect((yield* call("GET", "/healthz")).status).toBe(200)
      expect((yield* call("GET", "/readyz")).status).toBe(200)
      expect((yield* call("GET", "/metrics")).status).toBe(200)
    }))
})
