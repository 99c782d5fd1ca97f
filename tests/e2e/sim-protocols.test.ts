import { expect, layer } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Streams, Subjects } from "@wt/contracts"
import { readSubject } from "@wt/nats"
import { E2ESystem } from "../support/system.ts"

/**
 * `pnpm sim --via dc09|scaip|osmand|webhook` against a real installation: the simulator speaks each
 * device protocol over real sockets to the receivers (and signed webhooks to the gateway), and every
 * event it counts as accepted is in WT_DEVICE, stored by that receiver; nothing is refused, and what
 * a protocol cannot carry is skipped with its reason instead of being sent as something else.
 */
const root = fileURLToPath(new URL("../../", import.meta.url))

interface Summary {
  readonly via: string
  readonly sent: number
  readonly accepted: number
  readonly rejected: number
  readonly duplicates: number
  readonly skipped: number
  readonly rejectedReasons?: Record<string, number>
  readonly skippedReasons?: Record<string, number>
  readonly wire: { readonly frames: number; readonly answered: number; readonly resends: number; readonly timeouts: number }
}

/** Runs `pnpm sim` (the same entry point) with the installation's ports and secrets; its JSON summary. */
const sim = (args: ReadonlyArray<string>, dataDir: string) =>
  E2ESystem.use((sys) =>
    Effect.promise(() =>
      new Promise<Summary>((resolve, reject) => {
        const all = [
          join(root, "simulators/devices/src/main.ts"),
          ...args,
          "--dc09-port", String(sys.protocolPorts.dc09),
          "--scaip-port", String(sys.protocolPorts.scaip),
          "--osmand-port", String(sys.protocolPorts.osmand),
          "--url", sys.ingestUrl,
          "--data-dir", dataDir,
          "--quiet"
        ]
        execFile(process.execPath, all, { cwd: root, env: { ...process.env, CI: "true" }, timeout: 90_000 }, (error, stdout, stderr) => {
          if (error !== null) return reject(new Error(`pnpm sim ${args.join(" ")} failed: ${error.message}\n${stderr}`))
          resolve(JSON.parse(stdout.slice(stdout.indexOf("{"))) as Summary)
        })
      })
    )
  )

/** The demo tenant's events in WT_DEVICE that a receiver stored from this protocol. */
const storedVia = (via: string) =>
  Effect.map(readSubject(Streams.device, Subjects.deviceAll), (messages) =>
    messages
      .map((m) => JSON.parse(new TextDecoder().decode(m.data)) as { id: string; tenant: string; type: string; source: { via: string; raw?: string } })
      .filter((e) => e.tenant === "demo" && e.source.via === via))

/** A data directory as `pnpm start` leaves it: the demo secrets the simulated devices read. */
const dataDir = Effect.acquireRelease(
  E2ESystem.use((sys) =>
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "wt-sim-protocols-"))
      writeFileSync(join(dir, "demo-secrets.json"), JSON.stringify({ ingestKey: "unused", password: "unused", dc09KeySecret: sys.dc09KeySecret, webhookSecrets: sys.webhookSecrets }))
      return dir
    })
  ),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const expectClean = (summary: Summary, via: string) => {
  expect(summary.via).toBe(via)
  expect(summary.rejectedReasons ?? {}).toEqual({})
  expect(summary.rejected).toBe(0)
  expect(summary.accepted + summary.skipped).toBe(summary.sent)
  // Every accepted event had its answer; a frame written is answered or timed out and resent.
  expect(summary.wire.answered).toBeGreaterThanOrEqual(summary.accepted > 0 ? 1 : 0)
  expect(summary.wire.frames).toBe(summary.wire.answered + summary.wire.timeouts)
}

layer(E2ESystem.layerWithNats, { excludeTestServices: true, timeout: "240 seconds" })("pnpm sim speaks the devices' protocols to a real installation", (it) => {
  it.effect("--via dc09 over TCP (plain and encrypted units) and UDP: every ACKed event is in WT_DEVICE, stored by the DC-09 receiver", () =>
    Effect.gen(function*() {
      const dir = yield* dataDir
      const tcp = yield* sim(["--via", "dc09", "--count", "400", "--rate", "400", "--seed", "3"], dir)
      expectClean(tcp, "dc09")
      expect(tcp.accepted).toBeGreaterThan(200)
      // Medication and tracker events have no DC-09 code: skipped, and said why.
      expect(Object.keys(tcp.skippedReasons ?? {}).join("\n")).toContain("dc09: no Contact ID or SIA code reads back as")
      const udp = yield* sim(["--via", "dc09", "--transport", "udp", "--mix", "alarms-only", "--count", "120", "--rate", "200", "--seed", "4"], dir)
      expectClean(udp, "dc09")
      expect(udp.accepted).toBeGreaterThan(20)
      const stored = yield* storedVia("dc09")
      expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length)
      expect(stored.length).toBe(tcp.accepted + udp.accepted)
      // Both units that encrypt and units that do not reached the store, and the care alarms of the second run.
      expect(stored.some((e) => e.source.raw?.includes("\"*") === true)).toBe(true)
      expect(stored.some((e) => e.source.raw?.includes("\"ADM-CID\"") === true)).toBe(true)
      expect(stored.some((e) => e.source.raw?.includes("\"SIA-DCS\"") === true)).toBe(true)
      expect(stored.some((e) => e.type === "safety_alarm")).toBe(true)
    }))

  it.effect("--via scaip: every event answered snu 0 is in WT_DEVICE, stored by the SCAIP receiver", () =>
    Effect.gen(function*() {
      const dir = yield* dataDir
      const summary = yield* sim(["--via", "scaip", "--count", "400", "--rate", "400", "--seed", "5"], dir)
      expectClean(summary, "scaip")
      expect(summary.accepted).toBeGreaterThan(200)
      const stored = yield* storedVia("scaip")
      expect(stored.length).toBe(summary.accepted)
      expect(new Set(stored.map((e) => e.type))).toContain("technical")
    }))

  it.effect("--via osmand: every report answered 200 is in WT_DEVICE, stored by the OsmAnd receiver; other devices' events are skipped", () =>
    Effect.gen(function*() {
      const dir = yield* dataDir
      const summary = yield* sim(["--via", "osmand", "--count", "400", "--rate", "400", "--seed", "6"], dir)
      expectClean(summary, "osmand")
      expect(summary.accepted).toBeGreaterThan(20)
      expect(Object.keys(summary.skippedReasons ?? {}).join("\n")).toContain("osmand: only trackers have an OsmAnd id")
      const stored = yield* storedVia("osmand")
      expect(stored.length).toBe(summary.accepted)
      expect(stored.some((e) => e.type === "gps")).toBe(true)
    }))

  it.effect("--via webhook: every event the gateway accepted from both vendors is in WT_DEVICE, stored from the webhook", () =>
    Effect.gen(function*() {
      const dir = yield* dataDir
      const summary = yield* sim(["--via", "webhook", "--count", "400", "--rate", "400", "--seed", "7"], dir)
      expectClean(summary, "webhook")
      expect(summary.accepted).toBeGreaterThan(20)
      const stored = yield* storedVia("webhook")
      expect(stored.length).toBe(summary.accepted)
      const vendors = new Set(stored.map((e) => (e.source as { vendor?: string }).vendor))
      expect([...vendors].sort()).toEqual(["demo-dispenser", "demo-sensors"])
    }))
})
