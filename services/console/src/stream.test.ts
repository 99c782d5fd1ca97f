import { expect, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Layer, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { hashPassword } from "@wt/registry"
import { ServiceHttp } from "@wt/service-runtime"
import { call, ConsoleTestLayer, openIncident, password, signIn } from "./console-fixture.ts"
import { ConsoleHttp } from "./console-http.ts"

interface SseEvent {
  readonly event: string
  readonly data: string
}

/** A client of /api/stream that collects the events and answers when one arrives. */
const connect = (headers: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const { url } = yield* ServiceHttp
      return yield* Effect.promise(async () => {
        const abort = new AbortController()
        const response = await fetch(`${url}/api/stream`, { headers, signal: abort.signal })
        const events: Array<SseEvent> = []
        const comments: Array<string> = []
        const waiters = new Set<() => void>()
        let buffer = ""
        const pump = (async () => {
          const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
          while (true) {
            const { done, value } = await reader.read()
            if (done) return
            buffer += value
            let end: number
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, end)
              buffer = buffer.slice(end + 2)
              const lines = block.split("\n")
              const event = lines.find((l) => l.startsWith("event: "))?.slice(7)
              const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")
              if (event !== undefined) events.push({ event, data })
              else if (block.startsWith(":")) comments.push(block.slice(1).trim())
              for (const wake of waiters) wake()
            }
          }
        })().catch(() => undefined)
        const next = (predicate: (e: SseEvent) => boolean, timeoutMs: number) =>
          new Promise<SseEvent | undefined>((resolve) => {
            const check = () => {
              const found = events.find(predicate)
              if (found !== undefined) {
                waiters.delete(check)
                clearTimeout(timer)
                resolve(found)
              }
            }
            const timer = setTimeout(() => {
              waiters.delete(check)
              resolve(undefined)
            }, timeoutMs)
            waiters.add(check)
            check()
          })
        // Resolves when the server ends the stream.
        const ended = pump.then(() => true)
        return { response, events, comments, next, close: () => abort.abort(), ended }
      })
    }),
    (client) => Effect.sync(client.close)
  )

const aboutIncident = (id: string) => (e: SseEvent) => e.event === "incident" && JSON.parse(e.data).state.incidentId === id

const metricValue = (body: string, name: string) => Number(body.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1])

// Heartbeats every 200 ms instead of 15 s, so a test can watch a few go by; the session is
// checked at its default pace (2 s).
const TestLayer = ConsoleTestLayer.pipe(
  Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnv({ env: { WT_STREAM_HEARTBEAT: "200 millis" } }), { asPrimary: true }))
)

/** An administrator of both demo and north, who may move a user from one to the other. */
const seedRegionalAdmin = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const hash = yield* Effect.promise(() => hashPassword(password))
  yield* sql`INSERT INTO users (id, username, display_name, role, tenants, password_hash)
    VALUES ('user-regional-admin', 'regional-admin', 'Regional Admin', 'admin', ARRAY['demo', 'north'], ${hash}) ON CONFLICT (id) DO NOTHING`
})

const moveOperator2 = (adminToken: string, tenants: ReadonlyArray<string>) =>
  call("PUT", "/api/admin/users/user-operator2", {
    token: adminToken,
    body: { username: "operator2", displayName: "Demo Operator 2", role: "operator", tenants }
  })

/** Resolves true when the stream ends within `ms`, false otherwise. */
const endsWithin = (client: { readonly ended: Promise<boolean> }, ms: number) =>
  Effect.promise(() => Promise.race([client.ended, new Promise<false>((r) => setTimeout(() => r(false), ms))]))

layer(TestLayer, { excludeTestServices: true })("console live stream", (it) => {
  it.effect("/api/stream is 401 without a session", () =>
    Effect.gen(function*() {
      expect((yield* call("GET", "/api/stream")).status).toBe(401)
      expect((yield* call("GET", "/api/stream", { token: "A".repeat(43) })).status).toBe(401)
    }))

  it.effect("a new P1 reaches a connected operator within a second of being stored, as `event: incident` with {event, state}", () =>
    Effect.scoped(Effect.gen(function*() {
      const { token } = yield* signIn("operator")
      const client = yield* connect({ authorization: `Bearer ${token}` })
      expect(client.response.status).toBe(200)
      expect(client.response.headers.get("content-type")).toContain("text/event-stream")

      const storedAt = Date.now()
      yield* openIncident("demo", "live-p1", { priority: "P1" })
      const event = yield* Effect.promise(() => client.next(aboutIncident("live-p1"), 1000))
      const latency = Date.now() - storedAt
      expect(event).toBeDefined()
      expect(latency).toBeLessThan(1000)
      const record = JSON.parse(event!.data)
      expect(record.event.type).toBe("incident_opened")
      expect(record.state).toMatchObject({ incidentId: "live-p1", tenant: "demo", priority: "P1", status: "open" })
    })))

  it.effect("works with the cookie too, and never carries another tenant's incidents", () =>
    Effect.scoped(Effect.gen(function*() {
      const { token } = yield* signIn("supervisor")
      const client = yield* connect({ cookie: `wt_session=${token}` })
      expect(client.response.status).toBe(200)
      // Stored in this order, so once the second has arrived the first would have too.
      yield* openIncident("north", "live-north")
      yield* openIncident("demo", "live-after-north")
      expect(yield* Effect.promise(() => client.next(aboutIncident("live-after-north"), 1000))).toBeDefined()
      expect(client.events.filter(aboutIncident("live-north"))).toEqual([])
    })))

  it.effect("one stored command reaches every connected client, and a client that leaves is let go", () =>
    Effect.gen(function*() {
      const { token } = yield* signIn("operator2")
      const clientsNow = call("GET", "/metrics").pipe(Effect.map((m) => metricValue(m.body, "wt_console_stream_clients")))
      yield* Effect.scoped(Effect.gen(function*() {
        const clients = yield* Effect.all([1, 2, 3].map(() => connect({ authorization: `Bearer ${token}` })))
        expect(yield* clientsNow).toBe(3)
        yield* openIncident("demo", "fan-out-1")
        const received = yield* Effect.promise(() => Promise.all(clients.map((c) => c.next(aboutIncident("fan-out-1"), 1000))))
        expect(received.every((e) => e !== undefined)).toBe(true)
      }))
      // The server notices the closed connections and releases their subscriptions.
      let remaining = yield* clientsNow
      for (let i = 0; i < 50 && remaining !== 0; i++) {
        yield* Effect.sleep("20 millis")
        remaining = yield* clientsNow
      }
      expect(remaining).toBe(0)
    }))

  it.effect("sends heartbeat comments, and ends the stream once the session is signed out", () =>
    Effect.scoped(Effect.gen(function*() {
      const { token } = yield* signIn("admin")
      const client = yield* connect({ authorization: `Bearer ${token}` })
      yield* Effect.sleep("500 millis")
      expect(client.comments).toContain("connected")
      expect(client.comments.filter((c) => c === "heartbeat").length).toBeGreaterThanOrEqual(1)
      expect((yield* call("DELETE", "/api/session", { token })).status).toBe(204)
      expect(yield* endsWithin(client, 4000)).toBe(true)
      expect(client.events.filter((e) => e.event === "session").map((e) => JSON.parse(e.data))).toEqual([{ ended: "signed_out" }])
    })))

  it.effect("a second console copy accepts the session, and stopping it ends its streams at once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { token } = yield* signIn("operator")
      const scope = yield* Scope.make()
      // A memo map of its own, so it gets its own feed and sessions service, as another process would.
      const second = Context.get(
        yield* Layer.buildWithMemoMap(ConsoleHttp({ port: 0, host: "127.0.0.1", logRequests: false }), yield* Layer.makeMemoMap, scope),
        ServiceHttp
      )
      const client = yield* connect({ authorization: `Bearer ${token}` }).pipe(Effect.provideService(ServiceHttp, second))
      expect(client.response.status).toBe(200)
      // Without ending the streams first, the server's graceful close would wait 10 s for this one.
      const stoppingAt = Date.now()
      yield* Scope.close(scope, Exit.void)
      expect(Date.now() - stoppingAt).toBeLessThan(2000)
      expect(yield* Effect.promise(() => client.ended)).toBe(true)
    })))

  it.effect("a supervisor of two tenants gets both on the stream; an operator of one tenant never the other's", () =>
    Effect.scoped(Effect.gen(function*() {
      const regional = yield* connect({ authorization: `Bearer ${(yield* signIn("regional")).token}` })
      const north = yield* connect({ authorization: `Bearer ${(yield* signIn("north-operator")).token}` })
      const demo = yield* connect({ authorization: `Bearer ${(yield* signIn("operator")).token}` })
      yield* openIncident("demo", "scope-demo")
      yield* openIncident("north", "scope-north")
      yield* openIncident("demo", "scope-demo-last")
      for (const id of ["scope-demo", "scope-north", "scope-demo-last"]) expect(yield* Effect.promise(() => regional.next(aboutIncident(id), 1000))).toBeDefined()
      expect(yield* Effect.promise(() => north.next(aboutIncident("scope-north"), 1000))).toBeDefined()
      expect(yield* Effect.promise(() => demo.next(aboutIncident("scope-demo-last"), 1000))).toBeDefined()
      // Stored in this order: by the time the last one has arrived, a leak would have too.
      yield* Effect.promise(() => north.next(() => false, 300))
      expect(north.events.filter((e) => e.event === "incident" && JSON.parse(e.data).state.tenant !== "north")).toEqual([])
      expect(demo.events.filter(aboutIncident("scope-north"))).toEqual([])
    })))

  it.effect("operator2's open stream ends once an admin moves operator2 to north, and delivers no demo incident after that", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* seedRegionalAdmin
      const admin = (yield* signIn("regional-admin")).token
      const { token } = yield* signIn("operator2")
      const client = yield* connect({ authorization: `Bearer ${token}` })
      yield* openIncident("demo", "moved-before")
      expect(yield* Effect.promise(() => client.next(aboutIncident("moved-before"), 1000))).toBeDefined()

      const moved = yield* moveOperator2(admin, ["north"])
      expect(moved.status).toBe(200)
      // Demo incidents keep coming while the stream is still open (or not).
      for (let i = 0; i < 6; i++) {
        yield* openIncident("demo", `moved-after-${i}`)
        yield* Effect.sleep("500 millis")
      }
      expect(yield* endsWithin(client, 1000)).toBe(true)
      expect(client.events.filter((e) => e.event === "session").map((e) => JSON.parse(e.data))).toEqual([{ ended: "changed" }])
      // Within one session check (2 s) of the move at the most; nothing of demo once it ended.
      const delivered = client.events.filter((e) => e.event === "incident").map((e) => JSON.parse(e.data).state.incidentId as string)
      expect(delivered.filter((id) => id.startsWith("moved-after-")).length).toBeLessThanOrEqual(5)
      expect(delivered.at(-1)).not.toBe("moved-after-5")

      // Connecting again, the same session gets its new scope: north's incidents, not demo's.
      const again = yield* connect({ authorization: `Bearer ${token}` })
      yield* openIncident("demo", "moved-demo-later")
      yield* openIncident("north", "moved-north-later")
      expect(yield* Effect.promise(() => again.next(aboutIncident("moved-north-later"), 1000))).toBeDefined()
      expect(again.events.filter(aboutIncident("moved-demo-later"))).toEqual([])

      // Back where the demo data has them, for anyone reading operator2 later.
      expect((yield* moveOperator2(admin, ["demo"])).status).toBe(200)
    })))

  it.effect("a changed role ends the stream too, and one unchanged session check does not", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* seedRegionalAdmin
      const admin = (yield* signIn("regional-admin")).token
      const { token } = yield* signIn("operator2")
      const client = yield* connect({ authorization: `Bearer ${token}` })
      // Two session checks go by with nothing changed: the stream stays open.
      expect(yield* endsWithin(client, 4500)).toBe(false)
      const promoted = yield* call("PUT", "/api/admin/users/user-operator2", {
        token: admin,
        body: { username: "operator2", displayName: "Demo Operator 2", role: "supervisor", tenants: ["demo"] }
      })
      expect(promoted.status).toBe(200)
      expect(yield* endsWithin(client, 4000)).toBe(true)
      expect(client.events.filter((e) => e.event === "session").map((e) => JSON.parse(e.data))).toEqual([{ ended: "changed" }])
      expect((yield* moveOperator2(admin, ["demo"])).status).toBe(200)
    })))
})
