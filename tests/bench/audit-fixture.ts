/**
 * Fills a NATS server with a sealed audit trail fast, for measuring `wt audit verify`:
 * entries published straight onto WT_AUDIT (no acks per entry) and sealed here, in
 * stream order, with a fresh key published on wt.seal.key as the audit service would.
 *   NATS_URL=nats://127.0.0.1:14222 pnpm exec node tests/bench/audit-fixture.ts --entries 1000000 [--msg-id]
 * The server's WT_AUDIT must be empty or absent (sequences are taken to start at 1).
 */
import { canonicalJsonBytes, generateSealKey, GenesisSealHash, leafHash, makeSeal, sealHash } from "@wt/audit-chain"
import { publishSigningKey, sealMsgId, SealStream, sealStreamSpec } from "@wt/audit-log"
import { defaultNatsSettings, ensureStream, makeNats, Nats, provisionStreamsWith } from "@wt/nats"
import { headers } from "@nats-io/transport-node"
import { Effect, References } from "effect"
import { parseArgs } from "node:util"
import { sampleEntryBytes } from "./sample-entry.ts"

const { values } = parseArgs({
  options: { entries: { type: "string", default: "1000000" }, "seal-size": { type: "string", default: "1000" }, "msg-id": { type: "boolean", default: false } }
})
const total = Number(values.entries)
const sealSize = Number(values["seal-size"])
const url = process.env["NATS_URL"] ?? "nats://127.0.0.1:14222"

// ≈ 600 bytes, like a device-event entry; two tenants, so --tenant has something to count.
const entryBytes = (seq: number, tenant: string) =>
  sampleEntryBytes(seq, { tenant, at: new Date(Date.UTC(2026, 10, 25, 21, 0, 0) + seq).toISOString() })

await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const nats = yield* makeNats({ url, name: "wt-audit-fixture" })
  yield* Effect.gen(function*() {
    yield* provisionStreamsWith({ ...defaultNatsSettings, url })
    yield* ensureStream(sealStreamSpec({ replicas: 1 }))
    const key = generateSealKey()
    yield* publishSigningKey(key)
    const start = (yield* Effect.orDie(nats.streamInfo("WT_AUDIT"))).state.last_seq + 1
    if (start !== 1) throw new Error(`WT_AUDIT already holds ${start - 1} entries`)
    const started = performance.now()
    // Core publishes, no acks, as fast as the server takes them: the client itself, through `use`.
    yield* Effect.orDie(nats.use(async ({ nc }) => {
      let prev = GenesisSealHash
      let leaves: Array<Uint8Array> = []
      for (let seq = 1; seq <= total; seq++) {
        const tenant = seq % 3 === 0 ? "north" : "demo"
        const bytes = entryBytes(seq, tenant)
        // --msg-id: with the Nats-Msg-Id header the audit writer sets (delivered with headers).
        const h = values["msg-id"] ? headers() : undefined
        h?.set("Nats-Msg-Id", `audit:dev-${seq}`)
        nc.publish(`wt.audit.${tenant}.device_event`, bytes, h === undefined ? undefined : { headers: h })
        leaves.push(leafHash(seq, bytes))
        if (leaves.length === sealSize || seq === total) {
          const seal = makeSeal({ stream: "WT_AUDIT", fromSeq: seq - leaves.length + 1, leaves, prevSealHash: prev, sealedAt: new Date().toISOString(), key })
          nc.publish(SealStream.sealSubject, canonicalJsonBytes(seal))
          prev = sealHash(seal)
          leaves = []
          // Lets the server catch up now and then, so nothing is dropped as a slow consumer.
          await nc.flush()
        }
      }
      await nc.flush()
    }))
    const info = yield* Effect.orDie(nats.streamInfo("WT_AUDIT"))
    console.log(JSON.stringify({ entries: info.state.messages, lastSeq: info.state.last_seq, ms: Math.round(performance.now() - started), sealMsgId: sealMsgId(0) }))
  }).pipe(Effect.provideService(Nats, nats))
})).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
