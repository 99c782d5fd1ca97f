import { createServer, type Server } from "node:http"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { testDatabaseUrl } from "@wt/db/testing"
import { bootstrap, defaultPorts, type ServiceName, startServiceProcess, startSystem } from "@wt/launcher"
import { freePort, startEmbeddedNats } from "@wt/nats"

/**
 * A listener that answers every request 200 "ready", as another running copy's service does:
 * the case where a launcher that only polled /readyz said "running" for a service that could not start.
 */
const fakeReadyService = (port: number) =>
  Effect.acquireRelease(
    Effect.callback<Server | undefined>((resume) => {
      const server = createServer((_, response) => response.writeHead(200, { "content-type": "application/json" }).end(`{"ready":true}`))
      // Already held by something else on this machine: taken either way.
      server.once("error", () => resume(Effect.succeed(undefined)))
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        if (server === undefined) resume(Effect.void)
        else server.close(() => resume(Effect.void))
      })
  )

/** NATS and PostgreSQL of their own, provisioned and migrated, as a launcher needs before it starts services. */
const installation = Effect.gen(function*() {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-honest-start-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  const nats = yield* startEmbeddedNats({ dataDir })
  const databaseUrl = yield* testDatabaseUrl
  yield* bootstrap({
    natsUrl: nats.url,
    natsAccess: nats.access!("provision"),
    databaseUrl,
    ingestKey: Redacted.make("honest-start-key"),
    password: Redacted.make("honest-start-password"),
    seed: false
  })
  return { dataDir, natsUrl: nats.url, natsAccess: nats.access!, databaseUrl }
})

/** The console's, ingest's and responder API's ports: free ones, as other systems may hold the contract ones here. */
const fixedPorts = Effect.gen(function*() {
  return { console: yield* freePort, gateway: yield* freePort, dispatch: yield* freePort } satisfies Partial<Record<ServiceName, number>>
})

describe("the launcher says a system is running only when every service is", () => {
  it.live("a port a service is to listen on, held by another process: the start fails naming the service, the port and its variable, before anything is spawned", () =>
    Effect.gen(function*() {
      const held = yield* freePort
      yield* fakeReadyService(held)
      const lines: Array<string> = []
      const exit = yield* Effect.exit(startSystem({
        natsUrl: "nats://127.0.0.1:1",
        databaseUrl: "postgres://nobody@127.0.0.1:1/none",
        ports: { ...(yield* fixedPorts), triage: held },
        onLine: (service, line) => lines.push(`${service} | ${line}`)
      }))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      expect(error?._tag).toBe("PortTaken")
      expect(error?.message).toContain(`triage: port ${held} on 127.0.0.1 (WT_TRIAGE_PORT) is taken by another process`)
      expect(lines).toEqual([])
    }).pipe(Effect.scoped))

  it.live("services whose ports are not set get the first free ones from their contract ports up, so a second system comes up beside one on the contract ports; each readiness is its own process's", () =>
    Effect.gen(function*() {
      const sys = yield* installation
      // The first system's internal services, on their contract ports (or whatever holds those here already).
      for (const name of ["triage", "projector", "receivers"] as const) yield* fakeReadyService(defaultPorts[name])
      const lines: Array<string> = []
      const second = yield* startSystem({
        natsUrl: sys.natsUrl,
        natsAccess: sys.natsAccess,
        databaseUrl: sys.databaseUrl,
        ports: yield* fixedPorts,
        services: ["triage", "projector"],
        env: { LOG_LEVEL: "warn", LOG_FORMAT: "json", WT_DATA_DIR: sys.dataDir },
        onLine: (service, line) => lines.push(`${service} | ${line}`)
      })
      expect(second.ports.triage).not.toBe(defaultPorts.triage)
      expect(second.ports.projector).not.toBe(defaultPorts.projector)
      // Found from the contract port up, below the ephemeral range an outgoing connection could take a port from.
      for (const name of ["triage", "projector"] as const) expect(second.ports[name]).toBeGreaterThan(defaultPorts[name])
      for (const name of ["triage", "projector"] as const) expect(second.ports[name]).toBeLessThan(32768)
      for (const service of [second.triage, second.projector]) {
        const answer = yield* Effect.promise(() => fetch(`${service.url}/readyz`))
        expect(answer.status).toBe(200)
        // Its own process answered, by the instance the launcher gave it.
        expect(answer.headers.get("wt-instance")).toMatch(new RegExp(`^${service.name}:`))
      }
    }).pipe(Effect.scoped), 120_000)

  it.live("a process answering 'ready' on the port is not taken for the service: the wait fails at once, naming the port", () =>
    Effect.gen(function*() {
      const sys = yield* installation
      const held = yield* freePort
      yield* fakeReadyService(held)
      const started = Date.now()
      const exit = yield* Effect.exit(startServiceProcess({
        name: "projector",
        port: held,
        env: { NATS_URL: sys.natsUrl, DATABASE_URL: sys.databaseUrl, LOG_LEVEL: "warn", LOG_FORMAT: "json", WT_DATA_DIR: sys.dataDir },
        onLine: () => undefined
      }))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      expect(error?.message).toContain(`port ${held} is taken: another process answers there`)
      expect(Date.now() - started).toBeLessThan(30_000)
    }).pipe(Effect.scoped), 120_000)

  it.live("a service that dies at start fails the start with the reason it wrote: a device port of the receivers held by another process", () =>
    Effect.gen(function*() {
      const sys = yield* installation
      const dc09 = yield* freePort
      yield* fakeReadyService(dc09)
      const [scaip, scaipSip, osmand] = [yield* freePort, yield* freePort, yield* freePort]
      const exit = yield* Effect.exit(startSystem({
        natsUrl: sys.natsUrl,
        natsAccess: sys.natsAccess,
        databaseUrl: sys.databaseUrl,
        ports: yield* fixedPorts,
        services: ["receivers"],
        env: {
          LOG_LEVEL: "warn",
          LOG_FORMAT: "json",
          WT_DATA_DIR: sys.dataDir,
          WT_DC09_PORT: String(dc09),
          WT_SCAIP_PORT: String(scaip),
          WT_SCAIP_SIP_PORT: String(scaipSip),
          WT_OSMAND_PORT: String(osmand)
        },
        onLine: () => undefined
      }))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      expect(error?._tag).toBe("ServiceNotReady")
      expect(error?.message).toMatch(new RegExp(`receivers did not become ready .*: exited \\(1\\): port [\\d.:]*${dc09} is taken by another process \\(EADDRINUSE\\)`))
    }).pipe(Effect.scoped), 120_000)
})
