import { assert, describe, layer } from "@effect/vitest"
import { type AuditSeal, generateSealKey, GenesisSealHash, leafHash, makeSeal, sealHash } from "@wt/audit-chain"
import { Streams } from "@wt/contracts"
import { NatsTestServer } from "@wt/nats/testing"
import { Effect, References } from "effect"
import { appendEntries } from "./audit-entries.fixture.ts"
import { verifyLiveTrail } from "./live-verification.ts"
import { type RawMessage, readStreamRange } from "./stream-reader.ts"

const Total = 3_000
const SealSize = 100
const key = generateSealKey()

/** Seals over the stored entries, as the sealer makes them; `alter` seals a different entry in place of one. */
const sealsOver = (entries: ReadonlyArray<RawMessage>, alter: ReadonlyArray<number> = []): ReadonlyArray<AuditSeal> => {
  const seals: Array<AuditSeal> = []
  let prev = GenesisSealHash
  for (let i = 0; i < entries.length; i += SealSize) {
    const run = entries.slice(i, i + SealSize)
    const leaves = run.map((m) => leafHash(m.seq, alter.includes(m.seq) ? new TextEncoder().encode("a different entry") : m.data))
    const seal = makeSeal({ stream: Streams.audit, fromSeq: run[0]!.seq, leaves, prevSealHash: prev, sealedAt: "2026-11-25T21:00:00.000Z", key })
    seals.push(seal)
    prev = sealHash(seal)
  }
  return seals
}

const quiet = Effect.provideService(References.MinimumLogLevel, "Warn")

describe("live verification in parts and through either reader", () => {
  layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 180_000 })((it) => {
    it.effect("parallel parts prove what one pass proves, and the ordered consumer what the bulk reader proves: same verdict, same first bad sequence, same counts", () =>
      Effect.gen(function*() {
        yield* appendEntries(1, Total - 500)
        yield* appendEntries(Total - 499, Total, "nordby")
        const entries: Array<RawMessage> = []
        yield* readStreamRange({ stream: Streams.audit, onMessage: (m) => entries.push(m) })
        assert.strictEqual(entries.length, Total)

        const both = (seals: ReadonlyArray<AuditSeal>, range: { fromSeq?: number; toSeq?: number } = {}) =>
          Effect.gen(function*() {
            const options = { stream: Streams.audit, seals, keys: [key], ...range }
            const single = yield* verifyLiveTrail({ ...options, parallelism: 1 })
            const parallel = yield* verifyLiveTrail({ ...options, parallelism: 3, minEntriesPerPart: 500 })
            assert.deepStrictEqual(parallel, single)
            // What a failed bulk read falls back to, in one pass and in parts.
            assert.deepStrictEqual(yield* verifyLiveTrail({ ...options, parallelism: 1, reader: "consumer" }), single)
            assert.deepStrictEqual(yield* verifyLiveTrail({ ...options, parallelism: 3, minEntriesPerPart: 500, reader: "consumer" }), single)
            return single
          })

        // The last 50 entries are not sealed yet.
        const intact = yield* both(sealsOver(entries.slice(0, Total - 50)))
        assert.deepStrictEqual(intact.verdict, {
          _tag: "Intact", sealedEntries: Total - 50, sealsChecked: 30, seals: 30, unsealedEntries: 50,
          firstSeq: 1, lastSeq: Total, lastSealedSeq: Total - 50
        } as never)
        assert.deepStrictEqual(intact.entriesByTenant, { demo: Total - 500, nordby: 500 })

        const range = yield* both(sealsOver(entries), { fromSeq: 1001, toSeq: 2500 })
        assert.deepInclude(range.verdict, { _tag: "Intact", sealedEntries: 1500, firstSeq: 1001, lastSeq: 2500 })

        // A break in a worker's part and one in the last part: the first one is named.
        for (const altered of [150, 1_234, 2_901]) {
          const verdict = (yield* both(sealsOver(entries, [altered]))).verdict
          assert.deepInclude(verdict, { _tag: "Broken", seq: altered, kind: "altered" })
        }
        assert.deepInclude((yield* both(sealsOver(entries, [2_345, 777]))).verdict, { _tag: "Broken", seq: 777, kind: "altered" })
      }).pipe(quiet), 240_000)
  })
})
