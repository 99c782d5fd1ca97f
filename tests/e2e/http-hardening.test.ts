import { readFileSync } from "node:fs"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { externalAddress, probe, uploadUntilRefused } from "@wt/service-runtime/testing"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { postJson } from "../support/http.ts"
import { E2ESystem } from "../support/system.ts"

const MiB = 1024 * 1024

/** Resident memory of a process, in bytes, from the kernel. */
const rssOf = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m)![1]) * 1024

layer(E2ESystem.layer, { excludeTestServices: true, timeout: "120 seconds" })("HTTP limits and exposure of the running services", (it) => {
  it.effect("an unauthenticated 150 MiB POST /api/session is answered 413 at once, and the console process neither reads it nor grows", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const pid = sys.services.console.pid()!
      const rssBefore = rssOf(pid)
      for (const chunked of [false, true]) {
        const refused = yield* Effect.promise(() => uploadUntilRefused(sys.consoleUrl, { path: "/api/session", bytes: 150 * MiB, chunked }))
        expect([chunked, refused.status]).toEqual([chunked, 413])
        expect(JSON.parse(refused.body)).toMatchObject({ limitBytes: 64 * 1024 })
        // Cut short: the console answered and closed the connection instead of reading on.
        expect(refused.cutShort).toBe(true)
        expect(refused.sent).toBeLessThan(16 * MiB)
        if (!chunked) expect(refused.sentBeforeAnswer).toBeLessThan(16 * MiB)
      }
      // Three at once, as an attacker would send them: still nothing held.
      const parallel = yield* Effect.promise(() =>
        Promise.all([1, 2, 3].map(() => uploadUntilRefused(sys.consoleUrl, { path: "/api/session", bytes: 150 * MiB, chunked: true })))
      )
      expect(parallel.map((r) => r.status)).toEqual([413, 413, 413])
      const grownMiB = (rssOf(pid) - rssBefore) / MiB
      console.log(`console RSS after four refused 150 MiB uploads: ${grownMiB.toFixed(1)} MiB more`)
      expect(grownMiB).toBeLessThan(64)
      // And it goes on signing people in.
      expect((yield* postJson(`${sys.consoleUrl}/api/session`, { username: "operator", password: sys.password })).status).toBe(200)
    }))

  it.effect("the responder API refuses a body over 64 KiB; the gateway's POST /v1/events still takes a batch well over it", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const responder = yield* Effect.promise(() =>
        uploadUntilRefused(sys.services.dispatch.url, { path: "/v1/responder/incidents/any/accept", bytes: 150 * MiB, chunked: true })
      )
      expect(responder.status).toBe(413)
      expect(responder.cutShort).toBe(true)
      expect(responder.sent).toBeLessThan(16 * MiB)
      // 600 heartbeats: about 150 KiB, over the default, within the gateway's 1 MiB.
      const batch = Array.from({ length: 600 }, (_, i) =>
        pendantAlarm(alarmDevice(i % 250).deviceId, { type: "technical", payload: { event: "heartbeat" } } as never))
      expect(JSON.stringify(batch).length).toBeGreaterThan(100 * 1024)
      const accepted = yield* postJson(`${sys.ingestUrl}/v1/events`, batch, { authorization: `Bearer ${sys.ingestKey}` })
      expect(accepted.status).toBe(202)
      expect(accepted.body.accepted).toHaveLength(600)
    }))

  it.effect("every service listens on 127.0.0.1 only (WT_BIND_HOST unset) and answers /metrics there", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      expect(externalAddress).toBeDefined()
      for (const [name, port] of Object.entries(sys.services.ports)) {
        expect([name, yield* Effect.promise(() => probe(`http://127.0.0.1:${port}/metrics`))]).toEqual([name, 200])
        expect([name, yield* Effect.promise(() => probe(`http://${externalAddress}:${port}/healthz`))]).toEqual([name, "ECONNREFUSED"])
        // A reverse proxy on this machine relaying an outside client is not let in to the metrics.
        expect([name, yield* Effect.promise(() => probe(`http://127.0.0.1:${port}/metrics`, { "x-forwarded-for": "203.0.113.7" }))]).toEqual([name, 403])
      }
    }))

  it.effect("a browser's sign-in gets a Secure HttpOnly cookie and no token; a non-browser client's gets the token", () =>
    Effect.gen(function*() {
      const sys = yield* E2ESystem
      const fromPage = yield* postJson(`${sys.consoleUrl}/api/session`, { username: "operator", password: sys.password }, {
        origin: sys.consoleUrl,
        "sec-fetch-site": "same-origin",
        "sec-fetch-dest": "empty"
      })
      expect(fromPage.status).toBe(200)
      expect(fromPage.body.token).toBeUndefined()
      expect(fromPage.body.user.username).toBe("operator")
      const cookie = fromPage.headers.get("set-cookie") ?? ""
      expect(cookie).toMatch(/wt_session=[A-Za-z0-9_-]{43}/)
      expect(cookie).toMatch(/HttpOnly/i)
      expect(cookie).toMatch(/;\s*Secure(;|$)/i)
      const fromCli = yield* postJson(`${sys.consoleUrl}/api/session`, { username: "operator", password: sys.password })
      expect(fromCli.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    }))
})
