import { type ChildProcess, spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freePort } from "@wt/nats"
import { demoFleet } from "@wt/registry/demo"
import { alarmDevice, pendantAlarm } from "../support/events.ts"
import { bearer, eventually, postJson, queuedIncident, request, signIn } from "../support/http.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const ingestKey = "demo-responders-start-key"
const password = "demo-responders-start-password"

/** `pnpm start` on embedded defaults (nats-server from PATH, PGlite) in a data directory, until it says it is running. */
const start = (dataDir: string, ports: Record<string, number>, extra: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const env: Record<string, string> = {
        ...process.env as Record<string, string>,
        WT_DATA_DIR: dataDir,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        WT_DEMO_INGEST_KEY: ingestKey,
        WT_DEMO_PASSWORD: password,
        WT_DEMO_DEVICES: "0",
        LOG_LEVEL: "warn",
        ...extra
      }
      delete env["NATS_URL"]
      delete env["DATABASE_URL"]
      const child = spawn(process.execPath, [join(root, "deploy/local/start.ts")], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] })
      const output = { text: "" }
      child.stdout.on("data", (d) => (output.text += d))
      child.stderr.on("data", (d) => (output.text += d))
      yield* eventually(Effect.sync(() => (output.text.includes("is running") ? true : undefined)), 120_000, 200).pipe(
        Effect.catchDefect(() => Effect.die(new Error(`pnpm start did not come up:\n${output.text.slice(-4000)}`)))
      )
      return { child, output }
    }),
    ({ child }) => stop(child)
  )

const stop = (child: ChildProcess) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const kill = setTimeout(() => child.kill("SIGKILL"), 30_000)
      child.once("exit", () => {
        clearTimeout(kill)
        resolve()
      })
      child.kill("SIGINT")
    })
  )

describe("the demo's responders under pnpm start", () => {
  it.live("get random tokens kept in the data directory, which the simulated responders use to take a call-out; with WT_DEMO_RESPONDERS=0 no demo phone works", () =>
    Effect.scoped(Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-demo-responders-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const names = ["WT_HTTP_PORT", "WT_INGEST_PORT", "WT_TRIAGE_PORT", "WT_TRIAGE_BULK_PORT", "WT_SUPERVISION_PORT", "WT_PROJECTOR_PORT", "WT_AUDIT_PORT", "WT_DISPATCH_PORT"]
      const ports = Object.fromEntries(yield* Effect.forEach(names, (n) => Effect.map(freePort, (p) => [n, p] as const)))
      const consoleUrl = `http://127.0.0.1:${ports["WT_HTTP_PORT"]}`
      const dispatchUrl = `http://127.0.0.1:${ports["WT_DISPATCH_PORT"]}`
      const whoAmI = (token: string) => request(`${dispatchUrl}/v1/responder/me`, { headers: bearer(token) })

      const t0 = Date.now()
      const on = yield* Effect.scoped(Effect.gen(function*() {
        const { output } = yield* start(dataDir, ports, {})
        const up = Date.now()
        expect(output.text).toContain("demo-secrets.json")
        expect(output.text).not.toContain("derive from the ingest key")
        const file = join(dataDir, "demo-secrets.json")
        expect(statSync(file).mode & 0o777).toBe(0o600)
        const tokens = JSON.parse(readFileSync(file, "utf8")).responderDevices as Record<string, string>
        const member = tokens["member:team-sentrum-1-m1"]
        expect(member).toMatch(/^rsp_[A-Za-z0-9_-]{32,}$/)
        expect(Object.keys(tokens).filter((d) => d.startsWith("contact:")).length).toBeGreaterThan(100)
        expect((yield* whoAmI(member!)).body).toMatchObject({ kind: "member", tenant: "demo", id: "team-sentrum-1-m1" })
        // The old derivation, an HMAC of the ingest key printed at start, opens nothing.
        const derived = `rsp_demo_${createHmac("sha256", ingestKey).update("responder:member:team-sentrum-1-m1").digest("base64url").slice(0, 32)}`
        expect((yield* whoAmI(derived)).status).toBe(401)

        // A fall, claimed and dispatched by the operator: the simulated home-care team takes it.
        const { deviceId, residentId } = alarmDevice(7)
        const home = demoFleet().residents.find((r) => r.id === residentId)!.addresses.find((a) => a.kind === "home")!
        expect((yield* postJson(`http://127.0.0.1:${ports["WT_INGEST_PORT"]}/v1/events`, pendantAlarm(deviceId), bearer(ingestKey))).status).toBe(202)
        const operator = yield* signIn(consoleUrl, "operator", password)
        const incident = yield* queuedIncident(consoleUrl, operator, residentId, { timeoutMs: 15_000, intervalMs: 200 })
        expect((yield* postJson(`${consoleUrl}/api/incidents/${incident.incidentId}/claim`, {}, bearer(operator))).status).toBe(200)
        const address = { kind: "home", street: home.street, postcode: home.postcode, city: home.city, lat: home.lat, lon: home.lon }
        const dispatched = yield* postJson(`${consoleUrl}/api/incidents/${incident.incidentId}/dispatch`, { address, reason: "pendant pressed, no answer" }, bearer(operator))
        expect(dispatched.status).toBe(200)
        // 80 % of offers are accepted within 2-5 s; a rejected one goes to the next team at once, an unanswered one after 90 s.
        const taken = yield* eventually(
          Effect.map(request(`${consoleUrl}/api/incidents/${incident.incidentId}`, { headers: bearer(operator) }), (a) =>
            a.body?.handover?.responder !== undefined ? a.body.handover : undefined),
          200_000,
          500
        )
        expect(taken.responder.teamId).toMatch(/^team-/)
        console.log(`pnpm start up in ${((up - t0) / 1000).toFixed(1)} s; the call-out taken by a simulated responder ${((Date.now() - up) / 1000).toFixed(1)} s later (offer ${taken.offerNo})`)
        return { member }
      }))

      // Off: the demo's phones are removed, so the tokens kept on disk no longer work.
      yield* Effect.scoped(Effect.gen(function*() {
        const { output } = yield* start(dataDir, ports, { WT_DEMO_RESPONDERS: "0" })
        expect(output.text).toContain("off: call-outs wait for real responders")
        expect((yield* whoAmI(on.member!)).status).toBe(401)
      }))
    })), 600_000)
})
