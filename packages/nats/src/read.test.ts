import { assert, layer } from "@effect/vitest"
import { Streams, Subjects } from "@wt/contracts"
import { Effect, Fiber, Metric, Option, Result, Schema } from "effect"
import { decodeJson } from "./codec.ts"
import { follow, followSkippedTotal } from "./follow.ts"
import { publishEvent, publishRaw } from "./publish.ts"
import { readLastOnSubject, readSubject, readSubjectAfter } from "./read.ts"
import { NatsTestServer, until } from "./testing.ts"

const Step = Schema.Struct({ step: Schema.Int })

layer(NatsTestServer.layerNats, { excludeTestServices: true })("reading subjects", (it) => {
  it.effect("readLastOnSubject gives none for an empty subject and the latest message otherwise", () =>
    Effect.gen(function*() {
      const subject = Subjects.incident("t1", "inc-last")
      assert.isTrue(Option.isNone(yield* readLastOnSubject(Streams.incident, subject)))
      yield* publishEvent(subject, Step, { step: 1 }, { msgId: "last-1" })
      yield* publishEvent(Subjects.incident("t1", "inc-other"), Step, { step: 99 }, { msgId: "last-other" })
      const second = yield* publishEvent(subject, Step, { step: 2 }, { msgId: "last-2" })
      const last = yield* readLastOnSubject(Streams.incident, subject)
      assert.isTrue(Option.isSome(last))
      if (Option.isNone(last)) return
      assert.strictEqual(last.value.seq, second.seq)
      assert.strictEqual(last.value.subject, subject)
      assert.deepStrictEqual(Result.getOrThrow(decodeJson(Step, last.value.data)), { step: 2 })
    }))

  it.effect("readSubject gives every message of one subject in stream order, skipping other subjects", () =>
    Effect.gen(function*() {
      const subject = Subjects.incident("t1", "inc-history")
      const expected: Array<number> = []
      for (let i = 1; i <= 25; i++) {
        const ack = yield* publishEvent(subject, Step, { step: i }, { msgId: `history-${i}` })
        expected.push(ack.seq)
        yield* publishEvent(Subjects.incident("t1", `inc-noise-${i}`), Step, { step: -i }, { msgId: `noise-${i}` })
      }
      const history = yield* readSubject(Streams.incident, subject)
      assert.deepStrictEqual(history.map((m) => m.seq), expected)
      assert.deepStrictEqual(
        history.map((m) => Result.getOrThrow(decodeJson(Step, m.data)).step),
        Array.from({ length: 25 }, (_, i) => i + 1)
      )
      assert.deepStrictEqual(yield* readSubject(Streams.incident, Subjects.incident("t1", "inc-never")), [])
    }))

  it.effect("readSubjectAfter gives only the messages of one subject stored after a sequence, in order", () =>
    Effect.gen(function*() {
      const subject = Subjects.incident("t1", "inc-after")
      const seqs: Array<number> = []
      for (let i = 1; i <= 6; i++) {
        seqs.push((yield* publishEvent(subject, Step, { step: i }, { msgId: `after-${i}` })).seq)
        yield* publishEvent(Subjects.incident("t1", `inc-after-noise-${i}`), Step, { step: -i }, { msgId: `after-noise-${i}` })
      }
      const missed = yield* readSubjectAfter(Streams.incident, subject, seqs[2]!)
      assert.deepStrictEqual(missed.map((m) => m.seq), seqs.slice(3))
      assert.deepStrictEqual(missed.map((m) => Result.getOrThrow(decodeJson(Step, m.data)).step), [4, 5, 6])
      assert.deepStrictEqual(yield* readSubjectAfter(Streams.incident, subject, seqs[5]!), [])
      assert.deepStrictEqual((yield* readSubjectAfter(Streams.incident, subject, 0)).map((m) => m.seq), seqs)
    }))

  it.effect("follow reads in order from startSeq, skips and counts undecodable messages, and sees new ones live", () =>
    Effect.gen(function*() {
      const filter = "wt.inc.tfollow.>"
      const skippedCounter = Metric.withAttributes(followSkippedTotal, { stream: Streams.incident })
      const skippedBefore = (yield* Metric.value(skippedCounter)).count
      yield* publishEvent(Subjects.incident("tfollow", "a"), Step, { step: 1 }, { msgId: "follow-1" })
      const second = yield* publishEvent(Subjects.incident("tfollow", "b"), Step, { step: 2 }, { msgId: "follow-2" })
      yield* publishRaw(Subjects.incident("tfollow", "a"), new TextEncoder().encode("not json"), { msgId: "follow-bad" })
      yield* publishEvent(Subjects.incident("tfollow", "a"), Step, { step: 3 }, { msgId: "follow-3" })

      const seen: Array<{ step: number; subject: string }> = []
      const fiber = yield* Effect.forkScoped(follow({
        stream: Streams.incident,
        filterSubject: filter,
        startSeq: second.seq,
        schema: Step,
        handler: (value, meta) => Effect.sync(() => void seen.push({ step: value.step, subject: meta.subject }))
      }))
      yield* until(() => seen.length === 2, "the stored messages")
      yield* publishEvent(Subjects.incident("tfollow", "c"), Step, { step: 4 }, { msgId: "follow-4" })
      yield* until(() => seen.length === 3, "the live message")
      assert.deepStrictEqual(seen, [
        { step: 2, subject: Subjects.incident("tfollow", "b") },
        { step: 3, subject: Subjects.incident("tfollow", "a") },
        { step: 4, subject: Subjects.incident("tfollow", "c") }
      ])
      assert.strictEqual((yield* Metric.value(skippedCounter)).count, skippedBefore + 1)
      yield* Fiber.interrupt(fiber).pipe(Effect.timeout("5 seconds"))
    }))

  it.effect("follow passes over the subjects it is told to skip, undecoded and uncounted as unreadable, and reads on after them", () =>
    Effect.gen(function*() {
      const skippedCounter = Metric.withAttributes(followSkippedTotal, { stream: Streams.incident })
      const skippedBefore = (yield* Metric.value(skippedCounter)).count
      const own = Subjects.incident("tskip", "own")
      yield* publishEvent(Subjects.incident("tskip", "a"), Step, { step: 1 }, { msgId: "skip-1" })
      yield* publishRaw(own, new TextEncoder().encode("not even json"), { msgId: "skip-own-1" })
      yield* publishEvent(own, Step, { step: 2 }, { msgId: "skip-own-2" })
      yield* publishEvent(Subjects.incident("tskip", "b"), Step, { step: 3 }, { msgId: "skip-3" })
      const seen: Array<number> = []
      yield* Effect.forkScoped(follow({
        stream: Streams.incident,
        filterSubject: "wt.inc.tskip.>",
        schema: Step,
        skip: (subject) => subject === own,
        pullAhead: 2,
        handler: (value) => Effect.sync(() => void seen.push(value.step))
      }))
      yield* until(() => seen.length === 2, "the messages not skipped")
      yield* publishEvent(own, Step, { step: 4 }, { msgId: "skip-own-4" })
      yield* publishEvent(Subjects.incident("tskip", "c"), Step, { step: 5 }, { msgId: "skip-5" })
      yield* until(() => seen.length === 3, "the live message after a skipped one")
      assert.deepStrictEqual(seen, [1, 3, 5])
      assert.strictEqual((yield* Metric.value(skippedCounter)).count, skippedBefore)
    }))

  it.effect("follow with deliverNew ignores what was stored before it started", () =>
    Effect.gen(function*() {
      yield* publishEvent(Subjects.incident("tnew", "a"), Step, { step: 1 }, { msgId: "new-1" })
      const seen: Array<number> = []
      yield* Effect.forkScoped(follow({
        stream: Streams.incident,
        filterSubject: "wt.inc.tnew.>",
        deliverNew: true,
        schema: Step,
        handler: (value) => Effect.sync(() => void seen.push(value.step))
      }))
      yield* Effect.sleep("300 millis")
      yield* publishEvent(Subjects.incident("tnew", "a"), Step, { step: 2 }, { msgId: "new-2" })
      yield* until(() => seen.length === 1, "the new message")
      assert.deepStrictEqual(seen, [2])
    }))

  it.effect("follow stops with the handler's error", () =>
    Effect.gen(function*() {
      yield* publishEvent(Subjects.incident("tfailing", "a"), Step, { step: 1 }, { msgId: "failing-1" })
      const error = yield* Effect.flip(follow({
        stream: Streams.incident,
        filterSubject: "wt.inc.tfailing.>",
        schema: Step,
        handler: (value) => Effect.fail(`projection rejected step ${value.step}` as const)
      }).pipe(Effect.timeout("10 seconds")))
      assert.strictEqual(error, "projection rejected step 1")
    }))
})
