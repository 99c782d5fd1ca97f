import { assert, describe, layer } from "@effect/vitest"
import { anchorState, checkAgainstAnchors, generateSealKey, parseAnchorLines, sealHash } from "@wt/audit-chain"
import { Streams } from "@wt/contracts"
import { ensureStream, Nats } from "@wt/nats"
import { eventually, NatsTestServer } from "@wt/nats/testing"
import { Effect, Layer, Metric, Option, References } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { acknowledgeTrail } from "./acknowledge.ts"
import { appendEntries } from "./audit-entries.fixture.ts"
import { anchorHook } from "./anchor-hook.ts"
import { readAnchors } from "./anchor-file.ts"
import { publishSigningKey, readLastSeal, readSeals } from "./seal-store.ts"
import { sealStreamSpec, SealStream } from "./seal-stream.ts"
import { runSealer } from "./sealer.ts"
import { streamBounds } from "./stream-reader.ts"
import { trailBroken } from "./trail-check.ts"

const Env = Layer.effectDiscard(ensureStream(sealStreamSpec({ replicas: 1 }))).pipe(Layer.provideMerge(NatsTestServer.layerNats))

const quiet = Effect.provideService(References.MinimumLogLevel, process.env.SEALER_TEST_LOG === "1" ? "Info" : "None")

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-audit-anchors-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const sealedUpTo = Effect.map(readLastSeal(), Option.match({ onNone: () => 0, onSome: (s) => s.seal.toSeq }))

/** What a client allowed to manage streams can do: delete a stream and create it again, empty, with its old settings. */
const deleteAndRecreate = (stream: string) =>
  Effect.gen(function*() {
    const nats = yield* Nats
    const { config } = yield* Effect.orDie(nats.streamInfo(stream))
    yield* Effect.orDie(nats.deleteStream(stream))
    yield* Effect.orDie(nats.addStream(config))
  })

describe("the sealer against a trail that went backwards", () => {
  layer(Env, { excludeTestServices: true, timeout: 120_000 })((it) => {
    it.effect("anchors every seal, refuses to seal over re-created streams and says so, and resumes only after an acknowledgment", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = join(dir, "audit", "anchors.jsonl")
        const external = join(dir, "external.jsonl")
        const key = generateSealKey()
        yield* publishSigningKey(key)
        yield* appendEntries(1, 100)
        const hook = yield* anchorHook(Option.some({ command: `cat >> '${external}'`, timeoutMs: 5_000 }))
        yield* Effect.forkScoped(runSealer(key, { sealSize: 25, sealEveryMs: 100 }, { file, hook, checkEveryMs: 200 }))
        yield* eventually(sealedUpTo, (n) => n === 100, "entries 1-100 sealed")

        // Every seal is anchored, in order, with the hash of the seal as stored.
        const seals = yield* readSeals
        const anchored = (yield* readAnchors(file)).records
        assert.deepStrictEqual(anchored.map((a) => a.type === "seal" && a.toSeq), seals.map((s) => s.toSeq))
        assert.deepStrictEqual(anchored.map((a) => a.type === "seal" && a.sealHash), seals.map(sealHash))
        // The external store got the newest anchor (older ones may have been coalesced away).
        const externally = yield* eventually(
          Effect.sync(() => parseAnchorLines(readFileSync(external, "utf8")).records),
          (records) => records.at(-1)?.type === "seal" && records.at(-1)!.stream === "WT_AUDIT" && (records.at(-1) as { toSeq: number }).toSeq === 100,
          "the anchor command given the newest anchor"
        )
        assert.isAtLeast(externally.length, 1)

        // The finding: the trail and its seals deleted and re-created, new entries written to the new trail.
        yield* deleteAndRecreate(Streams.audit)
        yield* deleteAndRecreate(SealStream.name)
        yield* publishSigningKey(key)
        yield* appendEntries(1001, 1010)
        yield* eventually(Metric.value(trailBroken), (g) => g.value === 1, "the trail reported broken")
        // Several check intervals and seal intervals later, still nothing sealed over the new stream.
        yield* Effect.sleep("1500 millis")
        assert.strictEqual(yield* sealedUpTo, 0)
        assert.strictEqual((yield* streamBounds(Streams.audit)).lastSeq, 10)
        assert.strictEqual((yield* Metric.value(trailBroken)).value, 1)
        // The anchors say what was lost, whatever the streams say now.
        const state = anchorState((yield* readAnchors(file)).records, "WT_AUDIT")
        assert.deepInclude(checkAgainstAnchors(yield* readSeals, state.anchors, 10), { seq: 1, kind: "removed" })

        // An operator decides to go on with the trail as it now is.
        const { record: ack, findings } = yield* acknowledgeTrail({ file, by: "test", reason: "test of a deliberate restart", at: new Date().toISOString() })
        assert.deepInclude(ack, { lastSeal: null, previous: { toSeq: 100, sealHash: sealHash(seals.at(-1)!), anchoredAt: (anchored.at(-1) as { anchoredAt: string }).anchoredAt } })
        assert.include(findings.join(" "), "WT_AUDIT was re-created")
        yield* eventually(sealedUpTo, (n) => n === 10, "the new trail sealed after the acknowledgment")
        // Once sealing is back on track there is nothing more to acknowledge.
        const again = yield* Effect.flip(acknowledgeTrail({ file, by: "test", reason: "again", at: new Date().toISOString() }))
        assert.include(again.message, "nothing to acknowledge")
        assert.strictEqual((yield* Metric.value(trailBroken)).value, 0)
        const after = anchorState((yield* readAnchors(file)).records, "WT_AUDIT")
        assert.strictEqual(after.acknowledgment?.reason, "test of a deliberate restart")
        assert.strictEqual(after.latest?.toSeq, 10)
        assert.isUndefined(checkAgainstAnchors(yield* readSeals, after.anchors, 10))
      }).pipe(quiet))
  })
})
