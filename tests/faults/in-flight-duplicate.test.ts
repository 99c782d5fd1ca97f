import { describe, expect, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { Nats, publishRaw } from "@wt/nats"
import { rawClientOf } from "./raw-client.ts"
import { testCluster } from "./test-cluster.ts"

const Pairs = 200

/**
 * A PubAck is the promise that a message is stored: the gateway answers 202 on it, the audit
 * service acknowledges the device event it wrote an entry for. nats-server 2.10 answers a
 * duplicate of a write still in flight on R3 with `duplicate` and sequence 0; the write in flight
 * may yet be lost with its leader (a node frozen while leading, thawed before it learns it no
 * longer leads, answers so). The fault suite lost an audit entry that way. Here two writers on
 * two nodes publish the same message id at the same moment, as a resend and its original (or two
 * copies of a service) do: each must be answered with where the one stored copy is.
 */
describe("a duplicate of a write still in flight, on an R3 stream of the three-node cluster", () => {
  it.live("is answered with the sequence the message is stored at, never as stored at sequence 0", () =>
    Effect.gen(function*() {
      const { connect } = yield* testCluster("in-flight-dup")
      const a = yield* connect(0, "writer-a")
      const b = yield* connect(1, "writer-b")
      const raw = yield* rawClientOf(a)
      yield* Effect.tryPromise(() => raw.jsm.streams.add({ name: "IN_FLIGHT_DUP", subjects: ["dup.>"], num_replicas: 3 }))

      const bytes = new TextEncoder().encode(JSON.stringify({ alarm: "pressed" }))
      const publishOn = (nats: typeof a, i: number) =>
        publishRaw(`dup.k${i}`, bytes, { msgId: `dup-${i}` }).pipe(Effect.provideService(Nats, nats), Effect.result)
      let duplicates = 0
      for (let i = 0; i < Pairs; i++) {
        const answers = yield* Effect.all([publishOn(a, i), publishOn(b, i)], { concurrency: 2 })
        const stored = answers.filter(Result.isSuccess).map((r) => r.success)
        // Either both name the one stored copy, or one failed and says so (never a success without a sequence).
        expect(stored.length, `pair ${i}: ${JSON.stringify(answers)}`).toBeGreaterThan(0)
        for (const ack of stored) expect(ack.seq, `pair ${i}: ${JSON.stringify(stored)}`).toBeGreaterThan(0)
        expect(new Set(stored.map((ack) => ack.seq)).size, `pair ${i}`).toBe(1)
        duplicates += stored.filter((ack) => ack.duplicate).length
      }
      const info = yield* Effect.tryPromise(() => raw.jsm.streams.info("IN_FLIGHT_DUP"))
      expect(info.state.messages).toBe(Pairs)
      // The race was run: the second of most pairs was a duplicate, answered with the first's sequence.
      expect(duplicates).toBeGreaterThan(Pairs / 2)
    }).pipe(Effect.scoped), 300_000)
})
