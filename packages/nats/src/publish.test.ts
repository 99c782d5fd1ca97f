import { assert, layer } from "@effect/vitest"
import { Streams, Subjects } from "@wt/contracts"
import { Effect, Option, Result, Schema } from "effect"
import { decodeJson } from "./codec.ts"
import { publishEvent, publishRaw, publishRawAll, type RawMessage } from "./publish.ts"
import { readLastOnSubject, readSubject } from "./read.ts"
import { NatsTestServer } from "./testing.ts"

const Note = Schema.Struct({ n: Schema.Number, text: Schema.String })

layer(NatsTestServer.layerNats, { excludeTestServices: true })("publishEvent", (it) => {
  it.effect("stores a schema-encoded value once it is acknowledged", () =>
    Effect.gen(function*() {
      const subject = Subjects.incident("t1", "inc-encode")
      const published = yield* publishEvent(subject, Note, { n: 1, text: "hello" }, { msgId: "encode-00001" })
      assert.strictEqual(published.stream, Streams.incident)
      assert.isFalse(published.duplicate)
      const stored = yield* readLastOnSubject(Streams.incident, subject)
      assert.isTrue(Option.isSome(stored))
      if (Option.isNone(stored)) return
      assert.strictEqual(stored.value.seq, published.seq)
      assert.deepStrictEqual(Result.getOrThrow(decodeJson(Note, stored.value.data)), { n: 1, text: "hello" })
    }))

  it.effect("stores a message id once: the second publish reports duplicate with the first's sequence", () =>
    Effect.gen(function*() {
      const subject = Subjects.device("t1", "alarm", "safety_alarm", "dev-dedup")
      const first = yield* publishEvent(subject, Note, { n: 1, text: "a" }, { msgId: "dedup-00001" })
      const second = yield* publishEvent(subject, Note, { n: 1, text: "a" }, { msgId: "dedup-00001" })
      assert.isFalse(first.duplicate)
      assert.isTrue(second.duplicate)
      assert.strictEqual(second.seq, first.seq)
      const all = yield* readSubject(Streams.device, subject)
      assert.deepStrictEqual(all.map((m) => m.seq), [first.seq])
    }))

  it.effect("fails with WrongLastSequence when another write came first, and succeeds with the right sequence", () =>
    Effect.gen(function*() {
      const subject = Subjects.incident("t1", "inc-race")
      const opened = yield* publishEvent(subject, Note, { n: 1, text: "opened" }, {
        msgId: "race-opened",
        expectedLastSubjectSequence: 0
      })
      const claimA = yield* publishEvent(subject, Note, { n: 2, text: "claimed by a" }, {
        msgId: "race-claim-a",
        expectedLastSubjectSequence: opened.seq
      })
      const claimB = yield* Effect.flip(
        publishEvent(subject, Note, { n: 2, text: "claimed by b" }, { msgId: "race-claim-b", expectedLastSubjectSequence: opened.seq })
      )
      assert.strictEqual(claimB._tag, "WrongLastSequence")
      if (claimB._tag === "WrongLastSequence") assert.strictEqual(claimB.expected, opened.seq)
      const secondCreate = yield* Effect.flip(
        publishRaw(subject, new Uint8Array([123, 125]), { msgId: "race-open-again", expectedLastSubjectSequence: 0 })
      )
      assert.strictEqual(secondCreate._tag, "WrongLastSequence")
      const all = yield* readSubject(Streams.incident, subject)
      assert.deepStrictEqual(all.map((m) => m.seq), [opened.seq, claimA.seq])
    }))

  it.effect("fails with PublishFailed when no stream stores the subject", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(publishRaw("nowhere.at.all", new Uint8Array([1]), { msgId: "nowhere-0001", timeoutMs: 2_000 }))
      assert.strictEqual(error._tag, "PublishFailed")
      assert.include(error.message, "nowhere.at.all")
    }))

  it.effect("keeps thousands of publishes in flight and answers each with its own sequence", () =>
    Effect.gen(function*() {
      const subjectOf = (i: number) => Subjects.device("t1", "telemetry", "gps", `dev-many-${i % 50}`)
      const published = yield* Effect.forEach(
        Array.from({ length: 2000 }, (_, i) => i),
        (i) => publishEvent(subjectOf(i), Note, { n: i, text: "many" }, { msgId: `many-${i}` }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(new Set(published.map((p) => p.seq)).size, 2000)
      assert.isTrue(published.every((p) => p.stream === Streams.device && !p.duplicate))
      // Each answer belongs to its own publish: the message stored at that sequence is the one sent.
      for (const i of [0, 777, 1999]) {
        const stored = yield* readSubject(Streams.device, subjectOf(i))
        const message = stored.find((m) => m.seq === published[i]!.seq)
        assert.strictEqual(Result.getOrThrow(decodeJson(Note, message!.data)).n, i)
      }
    }))

  it.effect("publishRawAll answers every message in order, each stored once, and one failure hides no other's success", () =>
    Effect.gen(function*() {
      const subjectOf = (i: number) => Subjects.device("t1", "tech", "technical", `dev-all-${i % 20}`)
      const bytesOf = (i: number) => new TextEncoder().encode(JSON.stringify({ n: i, text: "all" }))
      const before = yield* publishRaw(subjectOf(3), bytesOf(3), { msgId: "all-3" })
      const messages: Array<RawMessage> = Array.from({ length: 500 }, (_, i) => ({ subject: subjectOf(i), bytes: bytesOf(i), options: { msgId: `all-${i}` } }))
      // One the stream does not store, in the middle of the batch.
      messages.splice(250, 0, { subject: "nowhere.at.all", bytes: bytesOf(-1), options: { msgId: "all-nowhere", timeoutMs: 1_000, attempts: 1 } })
      const results = yield* publishRawAll(messages)
      assert.strictEqual(results.length, 501)
      const failed = results[250]!
      assert.isTrue(Result.isFailure(failed))
      if (Result.isFailure(failed)) assert.include(failed.failure.message, "nowhere.at.all")
      const stored = results.filter((r, i) => i !== 250)
      assert.isTrue(stored.every(Result.isSuccess))
      const acks = stored.map((r) => Result.getOrThrow(r))
      // The one already stored is a duplicate with its first sequence; every other is new, each at its own sequence.
      assert.isTrue(acks[3]!.duplicate)
      assert.strictEqual(acks[3]!.seq, before.seq)
      assert.strictEqual(acks.filter((a) => a.duplicate).length, 1)
      assert.strictEqual(new Set(acks.map((a) => a.seq)).size, 500)
      for (const i of [0, 249, 499]) {
        const onSubject = yield* readSubject(Streams.device, subjectOf(i))
        const message = onSubject.find((m) => m.seq === acks[i]!.seq)
        assert.strictEqual(JSON.parse(new TextDecoder().decode(message!.data)).n, i)
      }
    }))

  it.effect("publishRawAll of nothing answers at once with nothing", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* publishRawAll([]), [])
    }))
})
