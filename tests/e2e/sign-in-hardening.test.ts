import { expect, layer } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { databaseLayer } from "@wt/db"
import { readSubject } from "@wt/nats"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, postJson, request } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

const decodeEntry = Schema.decodeUnknownSync(Schema.fromJsonString(AuditEntry))

const counter = (metrics: string, name: string, label: string) =>
  Number(metrics.match(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, "m"))?.[1] ?? 0)

const signInBody = (username: string, password: string) => ({ username, password })

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "180 seconds" })("issue 20 against a running installation: sign-in, codes at rest, headers", (it) => {
  it.effect("200 wrong passwords for operator: no longer 200 × 401 at full speed then the right password at once; refused unread after a few, each attempt audited and counted; the owner's own browser and open session are unaffected", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      // The operator at their workstation, earlier: a session, and a browser the console now knows.
      const before = yield* request(`${sys.consoleUrl}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: sys.consoleUrl },
        body: JSON.stringify(signInBody("operator", sys.password))
      })
      expect(before.status).toBe(200)
      const cookies = before.headers.getSetCookie()
      const session = cookies.find((c) => c.startsWith("wt_session="))!.split(";")[0]!
      const device = cookies.find((c) => c.startsWith("wt_device="))!.split(";")[0]!

      const metricsBefore = String((yield* request(`${sys.consoleUrl}/metrics`)).body)
      const statuses: Array<number> = []
      const startedAt = Date.now()
      for (let i = 0; i < 200; i++) statuses.push((yield* postJson(`${sys.consoleUrl}/api/session`, signInBody("operator", `guess-${i}`))).status)
      console.log(`200 guesses: ${statuses.filter((s) => s === 401).length} checked, ${statuses.filter((s) => s === 429).length} refused, in ${Date.now() - startedAt} ms`)
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10)
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(190)
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true)

      // The right password, straight after: refused, with the reason and when to try again.
      const right = yield* postJson(`${sys.consoleUrl}/api/session`, signInBody("operator", sys.password))
      expect(right.status).toBe(429)
      expect(right.body._tag).toBe("SignInThrottled")
      expect(Number(right.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)

      // The owner: the open session goes on, and their own browser still signs in.
      expect((yield* request(`${sys.consoleUrl}/api/session`, { headers: { cookie: session } })).status).toBe(200)
      const owner = yield* request(`${sys.consoleUrl}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: sys.consoleUrl, cookie: device },
        body: JSON.stringify(signInBody("operator", sys.password))
      })
      expect(owner.status).toBe(200)

      // In the trail, entry by entry, and in the console's metrics.
      const entries = (yield* readSubject(Streams.audit, Subjects.audit("demo", "authentication")))
        .map((m) => decodeEntry(new TextDecoder().decode(m.data)))
        .filter((e) => (e.data as { userId?: string }).userId === "user-operator")
      const outcomes = entries.map((e) => (e.data as { outcome: string }).outcome)
      expect(outcomes.filter((o) => o === "failed").length).toBe(statuses.filter((s) => s === 401).length)
      expect(outcomes.filter((o) => o === "refused").length).toBe(statuses.filter((s) => s === 429).length + 1)
      expect(outcomes.filter((o) => o === "succeeded").length).toBe(2)
      expect(JSON.stringify(entries)).not.toContain("guess-")
      const metricsAfter = String((yield* request(`${sys.consoleUrl}/metrics`)).body)
      expect(counter(metricsAfter, "wt_console_sign_ins_total", `outcome="refused"`) - counter(metricsBefore, "wt_console_sign_ins_total", `outcome="refused"`))
        .toBe(statuses.filter((s) => s === 429).length + 1)
    }))

  it.effect("key-safe codes are in the database only sealed; the responder holding the call-out is the one who gets one, as before", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const rows = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ plain: number; sealed: number }>`
          SELECT count(*) FILTER (WHERE key_access ? 'code')::int AS plain,
                 count(*) FILTER (WHERE key_access->>'kind' = 'key_safe' AND key_access->>'sealedCode' LIKE 'v1.%')::int AS sealed
          FROM residents`
      }).pipe(Effect.provide(databaseLayer({ url: Redacted.make(sys.databaseUrl), poolMax: 1, applicationName: "e2e-codes" })))
      expect(rows[0]!.plain).toBe(0)
      expect(rows[0]!.sealed).toBeGreaterThan(50)
    }))

  it.effect("the gateway's, the responder API's and the console API's answers all say nosniff, no-referrer, no framing, no caching", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const answers = {
        "gateway 202": yield* postJson(`${sys.ingestUrl}/v1/events`, pendantAlarm(alarmDevice(5).deviceId, { type: "technical", payload: { event: "heartbeat" } } as never), bearer(sys.ingestKey)),
        "gateway 401": yield* postJson(`${sys.ingestUrl}/v1/events`, [], { authorization: "Bearer wrong" }),
        "responder 401": yield* request(`${sys.services.dispatch.url}/v1/responder/offers`),
        "console 401": yield* request(`${sys.consoleUrl}/api/incidents`),
        "console page": yield* request(`${sys.consoleUrl}/`)
      }
      expect(Object.values(answers).map((a) => a.status)).toEqual([202, 401, 401, 401, 200])
      for (const [what, a] of Object.entries(answers)) {
        expect([what, a.headers.get("x-content-type-options"), a.headers.get("referrer-policy"), a.headers.get("x-frame-options")]).toEqual([what, "nosniff", "no-referrer", "DENY"])
        expect([what, a.headers.get("content-security-policy")]).toEqual([what, expect.stringContaining("frame-ancestors 'none'")])
      }
      for (const what of ["gateway 202", "gateway 401", "responder 401", "console 401"] as const) {
        expect([what, answers[what].headers.get("cache-control")]).toEqual([what, "no-store"])
        expect([what, answers[what].headers.get("content-security-policy")]).toEqual([what, expect.stringContaining("default-src 'none'")])
      }
      expect(answers["console page"].headers.get("content-security-policy")).not.toContain("unsafe-inline")
    }))
})
