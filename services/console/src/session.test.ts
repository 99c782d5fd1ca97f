import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, ConsoleTestLayer, password, signIn } from "./console-fixture.ts"

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
  it.effect("signing in answers the token and user, and sets an HttpOnly SameSite=Strict cookie without Secure on http", () =>
    Effect.gen(function*() {
      const answer = yield* call("POST", "/api/session", { body: { username: "operator", password } })
      expect(answer.status).toBe(200)
      expect(answer.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(answer.body.user).toEqual({ id: "user-operator", username: "operator", displayName: "Demo Operator", role: "operator", tenants: ["demo"] })
      const cookie = answer.headers.get("set-cookie") ?? ""
      expect(cookie).toContain(`wt_session=${answer.body.token}`)
      expect(cookie).toMatch(/HttpOnly/i)
      expect(cookie).toMatch(/SameSite=Strict/i)
      expect(cookie).toMatch(/Path=\//i)
      expect(cookie).not.toMatch(/Secure/i)
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
