import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { getPriority, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freePort, isProcessAlive } from "@wt/nats"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { spawnStart, stopStarted } from "../support/start-command.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))

/** The nice value of each service process started with this data directory, by the name the launcher gave it (from /proc). */
const nicenessByService = (dataDir: string): Record<string, number> => {
  const found: Record<string, number> = {}
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")
      if (!environ.includes(`WT_DATA_DIR=${dataDir}`)) continue
      // The launcher names each service process (triage-bulk runs triage's code).
      const service = environ.find((v) => v.startsWith("WT_SERVICE="))?.slice("WT_SERVICE=".length)
      if (service !== undefined) found[service] = getPriority(Number(pid))
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

describe("the README's run command (pnpm start) on embedded defaults", () => {
  it.live("starts nats-server and PGlite itself, serves the console and ingest, and stops everything on Ctrl-C", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "wt-start-"))
      const [http, ingest, triage, projector, audit, dispatch] = yield* Effect.all([freePort, freePort, freePort, freePort, freePort, freePort])
      const [triageBulk, supervision, receivers, dc09, scaip, osmand, scaipSip] = yield* Effect.all([freePort, freePort, freePort, freePort, freePort, freePort, freePort])
      const env: Record<string, string> = {
        WT_DATA_DIR: dataDir,
        WT_HTTP_PORT: String(http),
        WT_INGEST_PORT: String(ingest),
        WT_TRIAGE_PORT: String(triage),
        WT_PROJECTOR_PORT: String(projector),
        WT_AUDIT_PORT: String(audit),
        WT_DISPATCH_PORT: String(dispatch),
        WT_TRIAGE_BULK_PORT: String(triageBulk),
        WT_SUPERVISION_PORT: String(supervision),
        WT_RECEIVERS_PORT: String(receivers),
        WT_DC09_PORT: String(dc09),
        WT_SCAIP_PORT: String(scaip),
        WT_SCAIP_SIP_PORT: String(scaipSip),
        WT_OSMAND_PORT: String(osmand),
        WT_DEMO_INGEST_KEY: "start-test-key",
        WT_DEMO_PASSWORD: "start-test-password",
        LOG_LEVEL: "warn"
      }
      const started = spawnStart([], env)
      const { child, exited } = started
      const out = () => started.stdout() + started.stderr()
      try {
        yield* eventually(Effect.sync(() => (out().includes("is running") ? true : undefined)), 90_000, 200).pipe(
          Effect.catchDefect(() => Effect.die(new Error(`pnpm start did not come up:\n${out().slice(-4000)}`)))
        )
        expect(out()).toContain(`http://localhost:${http}`)
        expect(out()).toContain("start-test-key")
        expect(out()).toContain("operator (operator)")
        // Each receiver's port, for pointing devices at the centre.
        expect(out()).toMatch(new RegExp(`SIA DC-09 +tcp\\+udp ${dc09}`))
        expect(out()).toContain(`tcp ${scaip}`)
        expect(out()).toMatch(new RegExp(`SCAIP over SIP +udp\\+tcp ${scaipSip}`))
        expect(out()).toContain(`http://localhost:${osmand}/`)

        const page = yield* request(`http://127.0.0.1:${http}/`)
        expect(page.status).toBe(200)
        expect(String(page.body)).toContain("<html")

        const { deviceId, residentId } = alarmDevice(3)
        const posted = yield* postJson(`http://127.0.0.1:${ingest}/v1/events`, pendantAlarm(deviceId), { authorization: "Bearer start-test-key" })
        expect(posted.status).toBe(202)
        const token = yield* signIn(`http://127.0.0.1:${http}`, "operator", "start-test-password")
        const incident = yield* queuedIncident(`http://127.0.0.1:${http}`, token, residentId, { timeoutMs: 5000 })
        expect(incident.priority).toBe("P1")

        // The CLI finds the running system through the same WT_DATA_DIR.
        const { NATS_URL: _nats, DATABASE_URL: _database, ...inherited } = process.env
        const exported = spawnSync(process.execPath, [join(root, "packages/cli/src/main.ts"), "registry", "export", "--tenant", "demo"], {
          cwd: root,
          env: { ...inherited, ...env },
          encoding: "utf8"
        })
        expect(exported.status).toBe(0)
        const registry = JSON.parse(exported.stdout)
        expect(registry.residents.length).toBeGreaterThanOrEqual(300)
        expect(registry.residents[0].devices.some((d: any) => d.type === "safety_alarm")).toBe(true)

        // Bulk work yields the CPU to the care alarm's path (decision 30).
        expect(nicenessByService(dataDir)).toMatchObject({
          "triage-bulk": 12,
          supervision: 12,
          audit: 12,
          gateway: 0,
          triage: 0,
          console: 0,
          projector: 0,
          dispatch: 0
        })

        const natsRecord = JSON.parse(readFileSync(join(dataDir, "nats", "server.json"), "utf8"))
        child.kill("SIGINT")
        const code = yield* Effect.promise(() => exited)
        expect(code).toBe(0)
        expect(isProcessAlive(natsRecord.pid)).toBe(false)
        expect(existsSync(join(dataDir, "runtime.json"))).toBe(false)
      } finally {
        yield* Effect.promise(() => stopStarted(started))
        rmSync(dataDir, { recursive: true, force: true })
      }
    }), 150_000)

  it.live("with a service's port held by another process it prints no banner: it names the service, the port and the variable, stops what it started and exits 1", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "wt-start-taken-"))
      const [http, ingest, dispatch, triage] = yield* Effect.all([freePort, freePort, freePort, freePort])
      // Another copy's triage, as in the report: "pnpm start printed 'running' while triage restarted in a loop".
      const holder = createServer()
      yield* Effect.promise(() => new Promise<void>((resolve) => holder.listen(triage, "127.0.0.1", resolve)))
      const started = spawnStart([], {
        WT_DATA_DIR: dataDir,
        WT_HTTP_PORT: String(http),
        WT_INGEST_PORT: String(ingest),
        WT_DISPATCH_PORT: String(dispatch),
        WT_TRIAGE_PORT: String(triage),
        LOG_LEVEL: "warn"
      })
      const { child, exited } = started
      try {
        const code = yield* Effect.promise(() => exited)
        expect(code, `${started.stdout()}\n${started.stderr()}`).toBe(1)
        expect(started.stdout()).not.toContain("is running")
        expect(started.stderr()).toContain("pnpm start: the system is not running.")
        expect(started.stderr()).toContain(`triage: port ${triage} on 127.0.0.1 (WT_TRIAGE_PORT) is taken by another process`)
        // One paragraph, not a stack trace.
        expect(started.stderr()).not.toMatch(/\n\s+at /u)
        expect(started.stdout()).toContain("stopped: services, NATS and PostgreSQL this run started are down")
        expect(existsSync(join(dataDir, "runtime.json"))).toBe(false)
      } finally {
        yield* Effect.promise(() => stopStarted(started))
        holder.close()
        rmSync(dataDir, { recursive: true, force: true })
      }
    }), 150_000)
})
