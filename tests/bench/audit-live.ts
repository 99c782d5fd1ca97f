/**
 * Audit sealing and verification through a real nats-server (spawned in a temp dir):
 * how fast the audit writer appends with and without the sealer running, how fast the
 * sealer works through a backlog, and how fast the live stream verifies.
 */
import { generateSealKey } from "@wt/audit-chain"
import { appendAuditEntry, publishSigningKey, readLastSeal, readSeals, runSealer, sealStreamSpec, verifyLiveTrail } from "@wt/audit-log"
import type { AuditEntry } from "@wt/contracts"
import { defaultNatsSettings, ensureStream, makeNats, Nats, provisionStreamsWith, startEmbeddedNats } from "@wt/nats"
import { Effect, Fiber, Option, References } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const entry = (n: number): AuditEntry => ({
  id: `bench-${n}`,
  tenant: "demo",
  kind: "device_event",
  at: new Date(Date.UTC(2026, 10, 25, 21, 0, 0, n % 1000)).toISOString(),
  actor: { kind: "system", id: `alarm-${String(n % 1300).padStart(6, "0")}` },
  subject: { deviceId: `alarm-${String(n % 1300).padStart(6, "0")}`, eventId: `018f${n.toString(16).padStart(12, "0")}-7000-8000-000000000000` },
  origin: { stream: "WT_DEVICE", seq: n },
  summary: `accepted technical:heartbeat from alarm-${String(n % 1300).padStart(6, "0")}`,
  data: { type: "technical", payload: { event: "heartbeat", batteryPct: 87 }, receivedAt: "2026-11-25T21:04:05.180Z" }
})

const append = Effect.fn("Bench.append")(function*(from: number, count: number) {
  const started = performance.now()
  yield* Effect.forEach(Array.from({ length: count }, (_, i) => from + i), (n) => appendAuditEntry(entry(n)), { concurrency: 256, discard: true })
  return count / ((performance.now() - started) / 1000)
})

/** CPU time used so far, µs: this process, and the nats-server (from /proc). */
const cpuNow = (serverPid: number | undefined) => {
  const own = process.cpuUsage()
  let server = 0
  if (serverPid !== undefined) {
    try {
      const fields = readFileSync(`/proc/${serverPid}/stat`, "utf8").split(") ")[1]!.split(" ")
      server = ((Number(fields[11]) + Number(fields[12])) / 100) * 1_000_000
    } catch {
      server = Number.NaN
    }
  }
  return { client: own.user + own.system, server }
}

const perEntry = (before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>, n: number) => ({
  clientMicros: Number(((after.client - before.client) / n).toFixed(1)),
  serverMicros: Number(((after.server - before.server) / n).toFixed(1))
})

const sealedUpTo = readLastSeal().pipe(Effect.map(Option.match({ onNone: () => 0, onSome: (s) => s.seal.toSeq })))

const waitSealed = Effect.fn("Bench.waitSealed")(function*(seq: number) {
  while ((yield* sealedUpTo) < seq) yield* Effect.sleep("20 millis")
})

export const liveBench = (options: { readonly entries: number; readonly sealSize: number }) =>
  Effect.scoped(Effect.gen(function*() {
    const dataDir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-bench-audit-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const server = yield* startEmbeddedNats({ dataDir, testUser: true })
    const serverPid = (() => {
      try {
        return (JSON.parse(readFileSync(join(dataDir, "nats", "server.json"), "utf8")) as { pid: number }).pid
      } catch {
        return undefined
      }
    })()
    const nats = yield* makeNats({ url: server.url, name: "wt-bench", ...server.access!("test") })
    return yield* Effect.gen(function*() {
      yield* provisionStreamsWith({ ...defaultNatsSettings, url: server.url })
      yield* ensureStream(sealStreamSpec({ replicas: 1 }))
      const key = generateSealKey()
      yield* publishSigningKey(key)
      const n = options.entries
      const settings = { sealSize: options.sealSize, sealEveryMs: 5000 }

      // Warm-up; then rounds of the writer alone and the writer with the sealer keeping
      // up beside it, alternating so a change in machine load does not favour either.
      let seq = 1
      yield* append(seq, 5_000)
      seq += 5_000
      const withoutSealer: Array<number> = []
      const withSealer: Array<number> = []
      let appendCpu = perEntry(cpuNow(serverPid), cpuNow(serverPid), 1)
      for (let round = 0; round < 3; round++) {
        const before = cpuNow(serverPid)
        withoutSealer.push(yield* append(seq, n))
        if (round === 0) appendCpu = perEntry(before, cpuNow(serverPid), n)
        seq += n
        const sealer = yield* Effect.forkScoped(runSealer(key, settings))
        yield* waitSealed(seq - 1)
        withSealer.push(yield* append(seq, n))
        seq += n
        yield* waitSealed(seq - 1)
        yield* Fiber.interrupt(sealer)
      }
      const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

      // The sealer working through a backlog it did not see arrive.
      yield* append(seq, n)
      seq += n
      const backlogStart = performance.now()
      const sealCpuBefore = cpuNow(serverPid)
      const again = yield* Effect.forkScoped(runSealer(key, settings))
      yield* waitSealed(seq - 1)
      const sealCpu = perEntry(sealCpuBefore, cpuNow(serverPid), n)
      const backlogMs = performance.now() - backlogStart
      yield* Fiber.interrupt(again)

      // `wt audit verify` on the live stream: every seal and key, then the entries through
      // NATS (one pass below 1,000,000 entries), and in one pass and two parallel parts for comparison.
      const total = seq - 1
      const verifyLive = Effect.fn("Bench.verifyLive")(function*(parts: { parallelism: number; minEntriesPerPart: number } | undefined) {
        const started = performance.now()
        const cpuBefore = cpuNow(serverPid)
        const seals = yield* readSeals
        const { verdict } = yield* verifyLiveTrail({ stream: "WT_AUDIT", seals, keys: [key], ...parts })
        const ms = performance.now() - started
        if (verdict._tag !== "Intact" || verdict.sealedEntries !== total) throw new Error(`live trail did not verify: ${JSON.stringify(verdict)}`)
        // CPU per entry of this process (worker threads included) and of the nats-server, which share the cores.
        return { entries: total, ms: Math.round(ms), entriesPerSecond: Math.round(total / (ms / 1000)), cpuPerEntry: perEntry(cpuBefore, cpuNow(serverPid), total) }
      })
      const liveVerify = yield* verifyLive(undefined)
      const liveVerifyInOnePass = yield* verifyLive({ parallelism: 1, minEntriesPerPart: 1 })
      const liveVerifyInTwoParts = yield* verifyLive({ parallelism: 2, minEntriesPerPart: 1 })

      return {
        entriesPerPhase: n,
        appendPerSecond: { withoutSealer: withoutSealer.map(Math.round), withSealer: withSealer.map(Math.round) },
        appendThroughputChangeWithSealerPct: Number((((median(withSealer) - median(withoutSealer)) / median(withoutSealer)) * 100).toFixed(1)),
        // CPU per entry, this process and nats-server: appending it (the audit writer's step alone) and sealing it.
        cpuPerEntry: { append: appendCpu, seal: sealCpu },
        sealingCpuShareOfAppendPct: Number(
          (((sealCpu.clientMicros + sealCpu.serverMicros) / (appendCpu.clientMicros + appendCpu.serverMicros)) * 100).toFixed(1)
        ),
        sealerBacklogEntriesPerSecond: Math.round(n / (backlogMs / 1000)),
        liveVerify,
        liveVerifyInOnePass,
        liveVerifyInTwoParts
      }
    }).pipe(Effect.provideService(Nats, nats))
  })).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
