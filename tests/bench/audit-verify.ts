/**
 * Audit chain figures: verification throughput over synthetic entries shaped like
 * the real ones and what sealing costs per entry (in memory); then the same through
 * a real nats-server: the audit writer with and without the sealer, the sealer on a
 * backlog, and verification of the live stream.
 * Last, what sealing costs the whole pipeline (audit-pipeline.ts). Writes bench-results/audit.json.
 *   pnpm bench audit [--entries 500000] [--seal-size 1000] [--live-entries 40000] [--no-live]
 *                    [--pipeline-events 20000] [--pipeline-rounds 1] [--no-pipeline]
 */
import { chainVerifier, type AuditSeal, generateSealKey, GenesisSealHash, leafHash, makeSeal, sealHash } from "@wt/audit-chain"
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { liveBench } from "./audit-live.ts"
import { sealingCostBench } from "./audit-pipeline.ts"
import { sampleEntryBytes } from "./sample-entry.ts"

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "audit"),
  options: {
    entries: { type: "string", default: "500000" },
    "seal-size": { type: "string", default: "1000" },
    "live-entries": { type: "string", default: "40000" },
    "no-live": { type: "boolean", default: false },
    "pipeline-events": { type: "string", default: "20000" },
    "pipeline-rounds": { type: "string", default: "1" },
    "no-pipeline": { type: "boolean", default: false }
  }
})
const total = Number(values.entries)
const sealSize = Number(values["seal-size"])

const entryBytes = (seq: number) => sampleEntryBytes(seq, { tenant: "demo", at: "2026-11-25T21:04:05.180Z" })

const entries = Array.from({ length: total }, (_, i) => ({ seq: i + 1, bytes: entryBytes(i + 1) }))
const bytes = entries.reduce((n, e) => n + e.bytes.length, 0)
const key = generateSealKey()

// Sealing: what the audit service does per entry (leaf hash) and per seal (root, digests, signature).
let started = performance.now()
const seals: Array<AuditSeal> = []
let prev = GenesisSealHash
for (let from = 0; from < total; from += sealSize) {
  const leaves = entries.slice(from, from + sealSize).map((e) => leafHash(e.seq, e.bytes))
  const seal = makeSeal({ stream: "WT_AUDIT", fromSeq: from + 1, leaves, prevSealHash: prev, sealedAt: new Date().toISOString(), key })
  seals.push(seal)
  prev = sealHash(seal)
}
const sealMs = performance.now() - started

started = performance.now()
const verifier = chainVerifier(seals, { keys: [key] })
for (const e of entries) verifier.push(e.seq, e.bytes)
const verdict = verifier.finish()
const verifyMs = performance.now() - started
if (verdict._tag !== "Intact") throw new Error(`benchmark trail did not verify: ${JSON.stringify(verdict)}`)

const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000))
const sealBytes = seals.reduce((n, s) => n + JSON.stringify(s).length, 0)
const inMemory = {
  entries: total,
  averageEntryBytes: Math.round(bytes / total),
  sealSize,
  seals: seals.length,
  verify: { ms: Math.round(verifyMs), entriesPerSecond: perSecond(total, verifyMs) },
  seal: {
    ms: Math.round(sealMs),
    entriesPerSecond: perSecond(total, sealMs),
    microsecondsPerEntry: Number(((sealMs * 1000) / total).toFixed(2)),
    sealBytesPerEntry: Number((sealBytes / total).toFixed(1))
  }
}
console.log(JSON.stringify({ inMemory }, null, 2))
entries.length = 0

const live = values["no-live"] ? undefined : await Effect.runPromise(liveBench({ entries: Number(values["live-entries"]), sealSize }))
if (live !== undefined) console.log(JSON.stringify({ throughNats: live }, null, 2))

const log = (line: string) => process.stdout.write(`[bench audit ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const pipeline = values["no-pipeline"]
  ? undefined
  : await Effect.runPromise(Effect.scoped(sealingCostBench({ events: Number(values["pipeline-events"]), rounds: Number(values["pipeline-rounds"]), log })))
if (pipeline !== undefined) console.log(JSON.stringify({ pipeline }, null, 2))

// Sealing's own CPU per entry (sealer and nats-server, measured alone above) times the entries
// per event, over the pipeline's CPU per event without sealing: the share sealing adds,
// from figures that each come from one process and so hold still under machine load.
const sealingShareByParts = live === undefined || pipeline === undefined
  ? undefined
  : Math.round(
    (((live.cpuPerEntry.seal.clientMicros + live.cpuPerEntry.seal.serverMicros) * pipeline.auditEntriesPerEvent) / pipeline.medianCpuMicrosPerEvent.sealingOff) * 1000
  ) / 10
if (sealingShareByParts !== undefined) console.log(JSON.stringify({ sealingCpuShareOfPipelinePct: sealingShareByParts }))

const targets = {
  liveVerifyAtLeast200kPerSecond: live === undefined ? null : live.liveVerify.entriesPerSecond >= 200_000,
  // From the parts (steady); the A/B runs of whole installations are printed beside it, and
  // on a busy machine their spread is far wider than 5 %.
  sealingCostBelow5PctOfPipeline: sealingShareByParts === undefined ? null : sealingShareByParts < 5,
  sealingCostBelow5PctInAbRuns: pipeline === undefined ? null : pipeline.sealingCostPct < 5 && pipeline.sealingCostByCpuPct < 5
}
console.log(JSON.stringify({ targets }, null, 2))
const resultsDir = join(process.cwd(), "bench-results")
mkdirSync(resultsDir, { recursive: true })
writeFileSync(
  join(resultsDir, "audit.json"),
  JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model }, inMemory, throughNats: live ?? null, pipeline: pipeline ?? null, sealingCpuShareOfPipelinePct: sealingShareByParts ?? null, targets }, null, 2) + "\n"
)
log(`wrote ${join(resultsDir, "audit.json")}`)
