import { assert, describe, layer } from "@effect/vitest"
import { type AuditSeal, generateSealKey, leafHash, type SealKey, verifyAuditTrail } from "@wt/audit-chain"
import { Streams } from "@wt/contracts"
import { ensureStream } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Effect, Fiber, Layer, Option, References } from "effect"
import { appendEntries } from "./audit-entries.fixture.ts"
import { publishSigningKey, readLastSeal, readPublishedKeys, readSeals, verifyingKeys } from "./seal-store.ts"
import { sealStreamSpec } from "./seal-stream.ts"
import { runSealer } from "./sealer.ts"
import { followInBatches, readStreamRange, type RawMessage } from "./stream-reader.ts"

const Env = Layer.effectDiscard(ensureStream(sealStreamSpec({ replicas: 1 }))).pipe(
  Layer.provideMerge(NatsTestServer.layerNats)
)

const quiet = Effect.provideService(References.MinimumLogLevel, process.env.SEALER_TEST_LOG === "1" ? "Info" : "Warn")

const waitUntilSealed = (seq: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + 30_000
    while (true) {
      const last = yield* readLastSeal()
      if (Option.isSome(last) && last.value.seal.toSeq >= seq) return
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for seq ${seq} to be sealed`))
      yield* Effect.sleep("50 millis")
    }
  })

const readEntries = Effect.gen(function*() {
  const entries: Array<RawMessage> = []
  yield* readStreamRange({ stream: Streams.audit, onMessage: (m) => entries.push(m) })
  return entries
})

/** Seals cover 1..total with no gap and no overlap, and the whole trail verifies. */
const assertSealedContiguously = (seals: ReadonlyArray<AuditSeal>, total: number, keys: ReadonlyArray<SealKey>, sealSize: number) =>
  Effect.gen(function*() {
    assert.strictEqual(seals[0]?.fromSeq, 1)
    seals.forEach((seal, i) => {
      if (i > 0) assert.strictEqual(seal.fromSeq, seals[i - 1]!.toSeq + 1, `seal ${i} continues seal ${i - 1}`)
      assert.isAtMost(seal.count, sealSize)
    })
    assert.strictEqual(seals.at(-1)?.toSeq, total)
    assert.strictEqual(seals.reduce((n, s) => n + s.count, 0), total)
    const entries = yield* readEntries
    const verdict = verifyAuditTrail(entries.map((m) => ({ seq: m.seq, bytes: m.data })), seals, { keys })
    assert.deepInclude(verdict, { _tag: "Intact", sealedEntries: total, sealsChecked: seals.length, unsealedEntries: 0 })
  })

describe("audit sealer", () => {
  layer(Env, { excludeTestServices: true, timeout: 120_000 })("one sealer", (it) => {
    it.effect("seals every entry contiguously, by size and by time, and publishes its key once", () =>
      Effect.gen(function*() {
        const key = generateSealKey()
        yield* publishSigningKey(key)
        yield* publishSigningKey(key)
        const published = yield* readPublishedKeys
        assert.deepStrictEqual(published.map((k) => k.keyId), [key.keyId])
        assert.deepStrictEqual(verifyingKeys(published).map((k) => k.keyId), [key.keyId])

        yield* appendEntries(1, 2_350)
        yield* Effect.forkScoped(runSealer(key, { sealSize: 500, sealEveryMs: 300 }))
        yield* waitUntilSealed(2_350)
        // A trickle below the seal size is sealed by the timer.
        yield* appendEntries(2_351, 2_360)
        yield* waitUntilSealed(2_360)
        const seals = yield* readSeals
        assert.deepStrictEqual(seals.slice(0, 4).map((s) => s.count), [500, 500, 500, 500])
        yield* assertSealedContiguously(seals, 2_360, [key], 500)
      }).pipe(quiet))
  })

  layer(Env, { excludeTestServices: true, timeout: 120_000 })("the follower", (it) => {
    it.effect("buffers what its keep makes of each entry, in order, from its start: the sealer holds leaf hashes, not entries", () =>
      Effect.gen(function*() {
        yield* appendEntries(1, 30)
        const stored = yield* readEntries
        const batches = yield* followInBatches({
          stream: Streams.audit,
          startSeq: 11,
          highWater: 8,
          pollMs: 20,
          keep: (seq, _subject, data) => ({ seq, leaf: leafHash(seq, data) })
        })
        const taken: Array<{ seq: number; leaf: Uint8Array }> = []
        while (taken.length < 20) taken.push(...(yield* batches.take(1, 8, Date.now() + 5_000)))
        assert.deepStrictEqual(taken.map((k) => k.seq), Array.from({ length: 20 }, (_, i) => 11 + i))
        assert.deepStrictEqual(
          taken.map((k) => Buffer.from(k.leaf).toString("hex")),
          stored.slice(10).map((m) => leafHash(m.seq, m.data).toString("hex"))
        )
      }).pipe(Effect.scoped, quiet))
  })

  layer(Env, { excludeTestServices: true, timeout: 120_000 })("restarts and copies", (it) => {
    it.effect("a sealer stopped mid-load and started again, next to a second copy, leaves no gap and no double seal", () =>
      Effect.gen(function*() {
        const key = generateSealKey()
        yield* publishSigningKey(key)
        const settings = { sealSize: 200, sealEveryMs: 100 }
        const load = yield* Effect.forkScoped(appendEntries(1, 3_000))

        const first = yield* Effect.forkScoped(runSealer(key, settings))
        yield* waitUntilSealed(400)
        yield* Fiber.interrupt(first)
        const stoppedAt = Option.getOrThrow(yield* readLastSeal()).seal.toSeq

        // Two copies now race for every seal: expected-last-subject-sequence lets one win each time.
        yield* Effect.forkScoped(runSealer(key, settings))
        yield* Effect.forkScoped(runSealer(key, settings))
        yield* Fiber.join(load)
        yield* waitUntilSealed(3_000)

        const seals = yield* readSeals
        assert.isAbove(seals.length, 0)
        assert.isTrue(seals.some((s) => s.fromSeq === stoppedAt + 1), "sealing resumed right after the last seal before the stop")
        yield* assertSealedContiguously(seals, 3_000, [key], 200)
      }).pipe(quiet))
  })
})
