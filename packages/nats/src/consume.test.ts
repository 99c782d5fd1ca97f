import { assert, layer } from "@effect/vitest"
import { DeadLetter, Streams, Subjects } from "@wt/contracts"
import { Deferred, Effect, Fiber, Metric, Result } from "effect"
import { decodeJson } from "./codec.ts"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { consume, ensureConsumer } from "./consume.ts"
import { Boom, consumerInfo, deadLettersOn, Note, settledBy, subjectOf } from "./consume-test-support.ts"
import { DeadLetterRawLimit, deadLettersTotal, sendDeadLetter } from "./dead-letters.ts"
import { PublishFailed } from "./errors.ts"
import { publishEvent, publishRaw } from "./publish.ts"
import { readSubject } from "./read.ts"
import { eventually, NatsTestServer } from "./testing.ts"

const bytesOf = (base64: string) => new Uint8Array(Buffer.from(base64, "base64"))

layer(NatsTestServer.layerNats, { excludeTestServices: true })("consume", (it) => {
  it.effect("dead-letters bad JSON and schema mismatches with their reason and exact bytes, acks them, and handles the rest", () =>
    Effect.gen(function*() {
      const handled: Array<Note> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "bad-input",
        filterSubject: "wt.dev.tbad.>",
        schema: Note,
        source: "triage",
        handler: (note) => Effect.sync(() => void handled.push(note))
      }))
      const notJson = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0xff, 0x0a])
      const mismatch = new TextEncoder().encode(`{"n":"one","text":"x"}`)
      const badJson = yield* publishRaw(subjectOf("tbad", "dev-json"), notJson, { msgId: "bad-json-0001" })
      const badShape = yield* publishRaw(subjectOf("tbad", "dev-shape"), mismatch, { msgId: "bad-shape-0001" })
      yield* publishEvent(subjectOf("tbad", "dev-good"), Note, { n: 3, text: "ok" }, { msgId: "good-0001" })

      const [jsonLetter] = yield* eventually(deadLettersOn(subjectOf("tbad", "dev-json")), (l) => l.length === 1, "JSON dead letter")
      const [shapeLetter] = yield* eventually(deadLettersOn(subjectOf("tbad", "dev-shape")), (l) => l.length === 1, "schema dead letter")
      yield* eventually(Effect.sync(() => handled.length), (n) => n === 1, "the good message")
      assert.deepStrictEqual(handled, [{ n: 3, text: "ok" }])

      assert.isDefined(jsonLetter)
      assert.isDefined(shapeLetter)
      if (jsonLetter === undefined || shapeLetter === undefined) return
      assert.include(jsonLetter.reason, "invalid JSON")
      assert.deepStrictEqual(bytesOf(jsonLetter.rawBase64), notJson)
      assert.strictEqual(jsonLetter.rawBytesTotal, notJson.byteLength)
      assert.isFalse(jsonLetter.truncated)
      assert.strictEqual(jsonLetter.streamSeq, badJson.seq)
      assert.strictEqual(jsonLetter.deliveries, 1)
      assert.strictEqual(jsonLetter.tenant, "tbad")
      assert.strictEqual(jsonLetter.source, "triage")

      assert.include(shapeLetter.reason, "Expected number")
      assert.include(shapeLetter.reason, `["n"]`)
      assert.deepStrictEqual(bytesOf(shapeLetter.rawBase64), mismatch)
      assert.strictEqual(shapeLetter.streamSeq, badShape.seq)

      const info = yield* eventually(consumerInfo("bad-input"), (i) => i.num_ack_pending === 0 && i.num_pending === 0, "all acked")
      assert.strictEqual(info.num_redelivered, 0)
      assert.deepStrictEqual(yield* settledBy("bad-input"), { handled: 1, dead_lettered: 2 })
    }))

  it.effect("redelivers a failing message with the backoff until the handler succeeds", () =>
    Effect.gen(function*() {
      const attempts: Array<{ readonly deliveries: number; readonly at: number }> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "flaky",
        filterSubject: "wt.dev.tflaky.>",
        schema: Note,
        source: "triage",
        backoff: [300, 600],
        handler: (_note, meta) =>
          Effect.gen(function*() {
            attempts.push({ deliveries: meta.deliveries, at: Date.now() })
            if (meta.deliveries < 3) return yield* new Boom({ message: "not yet" })
          })
      }))
      yield* publishEvent(subjectOf("tflaky", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "flaky-0001" })
      yield* eventually(Effect.sync(() => attempts.length), (n) => n === 3, "three attempts")
      assert.deepStrictEqual(attempts.map((a) => a.deliveries), [1, 2, 3])
      const [a1, a2, a3] = attempts.map((a) => a.at)
      assert.isAtLeast(a2! - a1!, 250, "first redelivery waits ~300 ms")
      assert.isAtLeast(a3! - a2!, 550, "second redelivery waits ~600 ms")

      yield* eventually(consumerInfo("flaky"), (i) => i.num_ack_pending === 0, "acked after success")
      yield* Effect.sleep("400 millis")
      assert.strictEqual(attempts.length, 3, "no delivery after the success")
      assert.deepStrictEqual(yield* settledBy("flaky"), { handled: 1, retried: 2 })
      assert.deepStrictEqual(yield* deadLettersOn(subjectOf("tflaky", "dev-1")), [])
    }))

  it.effect("survives a handler that throws: the message is redelivered like any failure", () =>
    Effect.gen(function*() {
      const deliveries: Array<number> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "throws",
        filterSubject: "wt.dev.tthrow.>",
        schema: Note,
        source: "triage",
        backoff: [50],
        handler: (_note, meta) =>
          Effect.sync(() => {
            deliveries.push(meta.deliveries)
            if (meta.deliveries === 1) throw new Error("bug in handler")
          })
      }))
      yield* publishEvent(subjectOf("tthrow", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "throw-0001" })
      yield* publishEvent(subjectOf("tthrow", "dev-2"), Note, { n: 2, text: "x" }, { msgId: "throw-0002" })
      yield* eventually(consumerInfo("throws"), (i) => i.num_ack_pending === 0 && i.num_pending === 0 && deliveries.length === 4, "both handled")
      assert.deepStrictEqual([...deliveries].sort(), [1, 1, 2, 2])
    }))

  it.effect("dead-letters and terminates a message whose handler fails maxDeliver times", () =>
    Effect.gen(function*() {
      let calls = 0
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "always-fails",
        filterSubject: "wt.dev.tfail.>",
        schema: Note,
        source: "triage",
        maxDeliver: 3,
        backoff: [100],
        handler: () =>
          Effect.suspend(() => {
            calls++
            return Effect.fail(new Boom({ message: "registry unreachable" }))
          })
      }))
      const published = yield* publishEvent(subjectOf("tfail", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "fail-0001" })
      const [letter] = yield* eventually(deadLettersOn(subjectOf("tfail", "dev-1")), (l) => l.length === 1, "dead letter")
      assert.isDefined(letter)
      if (letter === undefined) return
      assert.strictEqual(letter.deliveries, 3)
      assert.strictEqual(letter.streamSeq, published.seq)
      assert.include(letter.reason, "registry unreachable")
      assert.deepStrictEqual(
        Result.getOrThrow(decodeJson(Note, bytesOf(letter.rawBase64))),
        { n: 1, text: "x" }
      )
      yield* eventually(consumerInfo("always-fails"), (i) => i.num_ack_pending === 0, "terminated")
      yield* Effect.sleep("400 millis")
      assert.strictEqual(calls, 3)
    }))

  it.effect("retries a message whose handler fails because NATS is away past maxDeliver, and handles it once NATS answers", () =>
    Effect.gen(function*() {
      let calls = 0
      const handled: Array<number> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "nats-away",
        filterSubject: "wt.dev.taway.>",
        schema: Note,
        source: "triage",
        maxDeliver: 2,
        backoff: [50],
        handler: (note) =>
          Effect.suspend(() => {
            calls++
            // The incident stream has no leader for the first six attempts (a frozen node).
            return calls <= 6
              ? Effect.fail(new PublishFailed({ subject: "wt.inc.demo.x", message: "timeout" }))
              : Effect.sync(() => handled.push(note.n))
          })
      }))
      yield* publishEvent(subjectOf("taway", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "away-0001" })
      yield* eventually(Effect.sync(() => handled), (h) => h.length === 1, "handled once NATS answers")
      assert.strictEqual(calls, 7)
      assert.deepStrictEqual(yield* deadLettersOn(subjectOf("taway", "dev-1")), [])
      yield* eventually(consumerInfo("nats-away"), (i) => i.num_ack_pending === 0 && i.num_pending === 0, "acknowledged")
    }))

  it.effect("counts a handler that outlives the ack wait as failed, and dead-letters it at maxDeliver", () =>
    Effect.gen(function*() {
      let calls = 0
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "hangs",
        filterSubject: "wt.dev.thang.>",
        schema: Note,
        source: "triage",
        maxDeliver: 2,
        // A hang counts as NATS being away (retried until the give-up time): none here.
        giveUpAfter: 0,
        backoff: [50],
        ackWait: "600 millis",
        handler: () => Effect.suspend(() => {
          calls++
          return Effect.never
        })
      }))
      yield* publishEvent(subjectOf("thang", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "hang-0001" })
      const [letter] = yield* eventually(deadLettersOn(subjectOf("thang", "dev-1")), (l) => l.length === 1, "dead letter")
      assert.strictEqual(letter?.deliveries, 2)
      assert.include(letter?.reason, "did not finish within")
      assert.strictEqual(calls, 2)
    }))

  it.effect("a single in-order worker whose handler hangs gives that message up, and a new worker handles what comes next", () =>
    Effect.gen(function*() {
      const handled: Array<number> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "hangs-once",
        filterSubject: "wt.dev.thang1.>",
        schema: Note,
        source: "triage",
        concurrency: 1,
        maxDeliver: 1,
        giveUpAfter: 0,
        ackWait: "600 millis",
        handler: (note) => (note.n === 1 ? Effect.never : Effect.sync(() => handled.push(note.n)))
      }))
      yield* publishEvent(subjectOf("thang1", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "hang-once-1" })
      const [letter] = yield* eventually(deadLettersOn(subjectOf("thang1", "dev-1")), (l) => l.length === 1, "dead letter")
      assert.include(letter?.reason, "did not finish within")
      // Published once the hung one is given up: had they been fetched behind it, their own ack wait
      // would have run out while they waited, which is not what this test is about.
      for (const n of [2, 3]) {
        yield* publishEvent(subjectOf("thang1", `dev-${n}`), Note, { n, text: "x" }, { msgId: `hang-once-${n}` })
      }
      yield* eventually(Effect.sync(() => handled), (h) => h.length === 2, "the messages after the hung one")
      assert.deepStrictEqual(handled, [2, 3])
      const settled = yield* settledBy("hangs-once")
      assert.deepStrictEqual([settled["handled"], settled["dead_lettered"]], [2, 1])
    }))

  it.effect("dead-letters a message that was never acknowledged maxDeliver times (a copy died while handling it)", () =>
    Effect.gen(function*() {
      const { js } = clientOf(yield* Nats)
      const options = {
        stream: Streams.device,
        durable: "orphaned",
        filterSubject: "wt.dev.torphan.>",
        schema: Note,
        source: "triage",
        maxDeliver: 2,
        // Given up at once: an unsettled message is otherwise handled again until the give-up time.
        giveUpAfter: 0,
        ackWait: "500 millis",
        handler: () => Effect.void
      } as const
      yield* ensureConsumer({
        stream: options.stream,
        durable: options.durable,
        filterSubject: options.filterSubject,
        ackWaitMs: 500,
        maxAckPending: 128,
        deliverPolicy: "all"
      })
      const published = yield* publishEvent(subjectOf("torphan", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "orphan-0001" })
      // Two copies take the message and die before acknowledging it.
      const consumer = yield* Effect.promise(() => js.consumers.get(options.stream, options.durable))
      for (const expected of [1, 2]) {
        const taken = yield* Effect.promise(() => consumer.next({ expires: 5_000 }))
        assert.strictEqual(taken?.info.deliveryCount, expected)
      }
      yield* Effect.forkScoped(consume(options))
      const [letter] = yield* eventually(deadLettersOn(subjectOf("torphan", "dev-1")), (l) => l.length === 1, "dead letter")
      assert.strictEqual(letter?.deliveries, 3)
      assert.strictEqual(letter?.streamSeq, published.seq)
      assert.include(letter?.reason, "not acknowledged after 2 deliveries")
      yield* eventually(consumerInfo("orphaned"), (i) => i.num_ack_pending === 0, "terminated")
    }))

  it.effect("stops when interrupted; a new run of the same durable takes up where it stopped", () =>
    Effect.gen(function*() {
      const handled: Array<number> = []
      const run = consume({
        stream: Streams.device,
        durable: "stoppable",
        filterSubject: "wt.dev.tstop.>",
        schema: Note,
        source: "triage",
        handler: (note) => Effect.sync(() => void handled.push(note.n))
      })
      const first = yield* Effect.forkScoped(run)
      yield* publishEvent(subjectOf("tstop", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "stop-0001" })
      yield* eventually(Effect.sync(() => handled.length), (n) => n === 1, "first message")

      yield* Fiber.interrupt(first).pipe(Effect.timeout("5 seconds"))
      yield* publishEvent(subjectOf("tstop", "dev-1"), Note, { n: 2, text: "x" }, { msgId: "stop-0002" })
      yield* Effect.sleep("500 millis")
      assert.deepStrictEqual(handled, [1])
      assert.strictEqual((yield* consumerInfo("stoppable")).num_pending, 1)

      yield* Effect.forkScoped(run)
      yield* eventually(Effect.sync(() => handled.length), (n) => n === 2, "second message after restart")
      assert.deepStrictEqual(handled, [1, 2])
    }))

  it.effect("with concurrency > 1 handles messages in parallel and acks each exactly once", () =>
    Effect.gen(function*() {
      const seen = new Map<number, number>()
      let inFlight = 0
      let maxInFlight = 0
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "parallel",
        filterSubject: "wt.dev.tpar.>",
        schema: Note,
        source: "triage",
        concurrency: 4,
        handler: (_note, meta) =>
          Effect.gen(function*() {
            inFlight++
            maxInFlight = Math.max(maxInFlight, inFlight)
            yield* Effect.sleep("20 millis")
            seen.set(meta.streamSeq, (seen.get(meta.streamSeq) ?? 0) + 1)
            inFlight--
          })
      }))
      yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) => publishEvent(subjectOf("tpar", `dev-${i % 5}`), Note, { n: i, text: "x" }, { msgId: `par-${i}-0000` }),
        { concurrency: 8, discard: true }
      )
      yield* eventually(Effect.sync(() => seen.size), (n) => n === 40, "40 messages")
      const info = yield* eventually(consumerInfo("parallel"), (i) => i.num_ack_pending === 0, "all acked")
      assert.strictEqual(info.num_redelivered, 0)
      assert.isTrue([...seen.values()].every((count) => count === 1), "each handled once")
      assert.isAbove(maxInFlight, 1)
      assert.isAtMost(maxInFlight, 4)
    }))

  it.effect("holds no more than one pull's worth while every hand is busy, and handles the rest once they are free", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let handled = 0
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "bounded",
        filterSubject: "wt.dev.tbounded.>",
        schema: Note,
        source: "triage",
        concurrency: 1,
        handler: () => Deferred.await(gate).pipe(Effect.andThen(Effect.sync(() => void handled++)))
      }))
      yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) => publishEvent(subjectOf("tbounded", `dev-${i % 5}`), Note, { n: i, text: "x" }, { msgId: `bounded-${i}` }),
        { concurrency: 8, discard: true }
      )
      yield* eventually(consumerInfo("bounded"), (i) => i.num_ack_pending > 0, "the first pull delivered")
      yield* Effect.sleep("500 millis")
      // One worker's pull is 32 messages (consume's max(32, 8 × concurrency)); the consumer allows 128.
      // Reading the client's messages ahead of the hands would have it pull again up to that.
      assert.isAtMost((yield* consumerInfo("bounded")).num_ack_pending, 32)
      assert.strictEqual(handled, 0)
      yield* Deferred.succeed(gate, undefined)
      yield* eventually(Effect.sync(() => handled), (n) => n === 100, "all handled")
      const info = yield* eventually(consumerInfo("bounded"), (i) => i.num_ack_pending === 0 && i.num_pending === 0, "all acked")
      assert.strictEqual(info.num_redelivered, 0)
    }))
})

layer(NatsTestServer.layerNats, { excludeTestServices: true })("DeadLetters.send", (it) => {
  it.effect("truncates raw bytes above the limit, keeps the total, and counts the letter by source and reason kind", () =>
    Effect.gen(function*() {
      const counter = Metric.withAttributes(deadLettersTotal, { source: "gateway", reason_kind: "too_large" })
      const before = (yield* Metric.value(counter)).count
      const raw = new Uint8Array(DeadLetterRawLimit + 1000).map((_, i) => i % 251)
      const sent = yield* sendDeadLetter({ source: "gateway", reason: "body too large", reasonKind: "too_large", raw, tenant: "t1" })
      const [stored] = yield* readSubject(Streams.deadLetter, Subjects.deadLetter("gateway"))
      assert.isDefined(stored)
      if (stored === undefined) return
      assert.strictEqual(stored.seq, sent.seq)
      const letter = Result.getOrThrow(decodeJson(DeadLetter, stored.data))
      assert.strictEqual(letter.id, sent.id)
      assert.isTrue(letter.truncated)
      assert.strictEqual(letter.rawBytesTotal, raw.byteLength)
      assert.deepStrictEqual(bytesOf(letter.rawBase64), raw.subarray(0, DeadLetterRawLimit))
      assert.strictEqual(letter.tenant, "t1")
      assert.strictEqual((yield* Metric.value(counter)).count, before + 1)
    }))
})
