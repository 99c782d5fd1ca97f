/**
 * Live verification alone, against a trail already on a server (see audit-fixture.ts):
 * wall time, this process's CPU and the nats-server's CPU per entry.
 *   NATS_URL=nats://127.0.0.1:14222 pnpm exec node tests/bench/audit-live-verify.ts [--parts 1|2] [--server-pid PID]
 */
import { readPublishedKeys, readSeals, verifyingKeys, verifyLiveTrail } from "@wt/audit-log"
import { makeNats, Nats } from "@wt/nats"
import { Effect, References } from "effect"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

const { values } = parseArgs({ options: { parts: { type: "string" }, "server-pid": { type: "string" }, rounds: { type: "string", default: "1" } } })
const url = process.env["NATS_URL"] ?? "nats://127.0.0.1:14222"
const serverPid = values["server-pid"] === undefined ? undefined : Number(values["server-pid"])
const serverCpuMicros = () => {
  if (serverPid === undefined) return Number.NaN
  const fields = readFileSync(`/proc/${serverPid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1_000_000
}

await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const nats = yield* makeNats({ url, name: "wt-verify-bench" })
  yield* Effect.gen(function*() {
    for (let round = 0; round < Number(values.rounds); round++) {
      const started = performance.now()
      const cpu = process.cpuUsage()
      const server = serverCpuMicros()
      const seals = yield* readSeals
      const keys = verifyingKeys(yield* readPublishedKeys)
      const sealsMs = performance.now() - started
      const parts = values.parts === undefined ? {} : { parallelism: Number(values.parts), minEntriesPerPart: 1 }
      const { verdict } = yield* verifyLiveTrail({ stream: "WT_AUDIT", seals, keys, ...parts })
      const ms = performance.now() - started
      const used = process.cpuUsage(cpu)
      if (verdict._tag !== "Intact") throw new Error(JSON.stringify(verdict))
      const n = verdict.sealedEntries + verdict.unsealedEntries
      console.log(JSON.stringify({
        entries: n,
        ms: Math.round(ms),
        sealsMs: Math.round(sealsMs),
        entriesPerSecond: Math.round(n / (ms / 1000)),
        clientMicrosPerEntry: Number(((used.user + used.system) / n).toFixed(2)),
        serverMicrosPerEntry: Number(((serverCpuMicros() - server) / n).toFixed(2))
      }))
    }
  }).pipe(Effect.provideService(Nats, nats))
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
