import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freePort, isProcessAlive } from "@wt/nats"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"
import { spawnStart, stopStarted } from "../support/start-command.ts"

/**
 * What `pnpm start --cluster` promises: on a fresh data directory it brings up three
 * nats-server nodes and two copies of every service, the console works as before (an alarm sent
 * to ingest is a P1 on the queue, and a session made on one console copy is good on the other),
 * and Ctrl-C stops all of it, the nodes included.
 */
describe("pnpm start --cluster", () => {
  it.live("brings up three nodes and two copies of each service, serves the console on both copies, and Ctrl-C stops everything", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "wt-start-cluster-"))
      const [http, ingest, dispatch, dc09, scaip, scaipSip, osmand] = yield* Effect.all([freePort, freePort, freePort, freePort, freePort, freePort, freePort])
      const started = spawnStart(["--cluster"], {
        WT_DATA_DIR: dataDir,
        WT_HTTP_PORT: String(http),
        WT_INGEST_PORT: String(ingest),
        WT_DISPATCH_PORT: String(dispatch),
        WT_DC09_PORT: String(dc09),
        WT_SCAIP_PORT: String(scaip),
        WT_SCAIP_SIP_PORT: String(scaipSip),
        WT_OSMAND_PORT: String(osmand),
        WT_DEMO_INGEST_KEY: "cluster-test-key",
        WT_DEMO_PASSWORD: "cluster-test-password",
        WT_DEMO_DEVICES: "0",
        LOG_LEVEL: "warn"
      })
      const { child, exited } = started
      const out = () => started.stdout() + started.stderr()
      try {
        yield* eventually(Effect.sync(() => (out().includes("is running") ? true : undefined)), 180_000, 250).pipe(
          Effect.catchDefect(() => Effect.die(new Error(`pnpm start --cluster did not come up:\n${out().slice(-4000)}`)))
        )
        expect(out()).toMatch(/NATS cluster +3 nodes on loopback, TLS .* streams at 3 replicas/u)
        expect(out()).toContain("2 of each service")
        const consoleCopies = [...(out().match(/^ +console +(.+)$/mu)?.[1] ?? "").matchAll(/http:\/\/localhost:(\d+)/gu)].map((m) => `http://127.0.0.1:${m[1]}`)
        expect(consoleCopies).toHaveLength(2)

        const page = yield* request(`http://127.0.0.1:${http}/`)
        expect(page.status).toBe(200)
        const { deviceId, residentId } = alarmDevice(5)
        expect((yield* postJson(`http://127.0.0.1:${ingest}/v1/events`, pendantAlarm(deviceId), { authorization: "Bearer cluster-test-key" })).status).toBe(202)
        // Signed in on one copy, the session holds on the other: they share sessions.
        const token = yield* signIn(consoleCopies[0]!, "operator", "cluster-test-password")
        const incident = yield* queuedIncident(consoleCopies[1]!, token, residentId, { timeoutMs: 15_000 })
        expect(incident.priority).toBe("P1")

        const nodePids = JSON.parse(readFileSync(join(dataDir, "nats", "cluster", "pids.json"), "utf8")) as ReadonlyArray<number>
        expect(nodePids).toHaveLength(3)
        expect(nodePids.every(isProcessAlive)).toBe(true)
        child.kill("SIGINT")
        expect(yield* Effect.promise(() => exited)).toBe(0)
        yield* eventually(Effect.sync(() => (nodePids.some(isProcessAlive) ? undefined : true)), 10_000, 200)
        expect(existsSync(join(dataDir, "runtime.json"))).toBe(false)
      } finally {
        yield* Effect.promise(() => stopStarted(started))
        rmSync(dataDir, { recursive: true, force: true })
      }
    }), 300_000)
})
