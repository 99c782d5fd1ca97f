import { assert, layer } from "@effect/vitest"
import { Streams } from "@wt/contracts"
import { Effect, Exit } from "effect"
import { consume } from "./consume.ts"
import { Boom, consumerInfo, deadLettersOn, Note, settledBy, subjectOf } from "./consume-test-support.ts"
import { publishEvent } from "./publish.ts"
import { eventually, NatsTestServer } from "./testing.ts"

const publishNotes = (tenant: string, prefix: string, ns: ReadonlyArray<number>) =>
  Effect.forEach(ns, (n) => publishEvent(subjectOf(tenant, `dev-${n}`), Note, { n, text: "x" }, { msgId: `${prefix}-${n}` }), { discard: true })

layer(NatsTestServer.layerNats, { excludeTestServices: true })("consume with a handler's way without a fiber (handleNow)", (it) => {
  it.effect("what handleNow takes is acknowledged once and never reaches the handler; what it leaves, the handler handles", () =>
    Effect.gen(function*() {
      const takenNow: Array<number> = []
      const handled: Array<number> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "now-split",
        filterSubject: "wt.dev.tnowsplit.>",
        schema: Note,
        source: "triage",
        concurrency: 4,
        handler: (note) => Effect.sync(() => void handled.push(note.n)),
        handleNow: (note, _meta, done) => {
          if (note.n % 2 === 1) return false
          takenNow.push(note.n)
          done(Exit.void)
          return true
        }
      }))
      const ns = Array.from({ length: 20 }, (_, i) => i)
      yield* publishNotes("tnowsplit", "now-split", ns)
      const info = yield* eventually(
        consumerInfo("now-split"),
        (i) => i.num_ack_pending === 0 && i.num_pending === 0 && takenNow.length + handled.length === 20,
        "all twenty settled"
      )
      assert.deepStrictEqual([...takenNow].sort((a, b) => a - b), ns.filter((n) => n % 2 === 0))
      assert.deepStrictEqual([...handled].sort((a, b) => a - b), ns.filter((n) => n % 2 === 1))
      assert.strictEqual(info.num_redelivered, 0)
      assert.deepStrictEqual(yield* settledBy("now-split"), { handled: 20 })
    }))

  it.effect("a message taken now is acknowledged only when done is called, however much later", () =>
    Effect.gen(function*() {
      const pending: Array<(exit: Exit.Exit<void, never>) => void> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "now-later",
        filterSubject: "wt.dev.tnowlater.>",
        schema: Note,
        source: "triage",
        concurrency: 4,
        handler: () => Effect.die("the handler is not used here"),
        handleNow: (_note, _meta, done) => {
          pending.push(done)
          return true
        }
      }))
      yield* publishNotes("tnowlater", "now-later", [1, 2, 3])
      yield* eventually(Effect.sync(() => pending.length), (n) => n === 3, "three taken")
      yield* Effect.sleep("300 millis")
      assert.strictEqual((yield* consumerInfo("now-later")).num_ack_pending, 3, "none acknowledged before done")
      pending[0]!(Exit.void)
      yield* eventually(consumerInfo("now-later"), (i) => i.num_ack_pending === 2, "one acknowledged")
      // A second call of the same done changes nothing.
      pending[0]!(Exit.void)
      pending[1]!(Exit.void)
      pending[2]!(Exit.void)
      const info = yield* eventually(consumerInfo("now-later"), (i) => i.num_ack_pending === 0, "all acknowledged")
      assert.strictEqual(info.num_redelivered, 0)
      assert.deepStrictEqual(yield* settledBy("now-later"), { handled: 3 })
    }))

  it.effect("a failure handleNow reports is a failed attempt: retried with the backoff, then dead-lettered at maxDeliver", () =>
    Effect.gen(function*() {
      const attempts: Array<number> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "now-fails",
        filterSubject: "wt.dev.tnowfail.>",
        schema: Note,
        source: "triage",
        maxDeliver: 3,
        backoff: [100],
        handler: (): Effect.Effect<void, Boom> => Effect.die("the handler is not used here"),
        handleNow: (_note, meta, done) => {
          attempts.push(meta.deliveries)
          // Later, as a batch's write would fail.
          setTimeout(() => done(Exit.fail(new Boom({ message: "batch not stored" }))), 10)
          return true
        }
      }))
      const published = yield* publishEvent(subjectOf("tnowfail", "dev-1"), Note, { n: 1, text: "x" }, { msgId: "now-fail-1" })
      const [letter] = yield* eventually(deadLettersOn(subjectOf("tnowfail", "dev-1")), (l) => l.length === 1, "dead letter")
      assert.strictEqual(letter?.deliveries, 3)
      assert.strictEqual(letter?.streamSeq, published.seq)
      assert.include(letter?.reason, "batch not stored")
      yield* eventually(consumerInfo("now-fails"), (i) => i.num_ack_pending === 0, "terminated")
      assert.deepStrictEqual(attempts, [1, 2, 3])
      assert.deepStrictEqual(yield* settledBy("now-fails"), { dead_lettered: 1, retried: 2 })
    }))

  it.effect("a handleNow that throws fails the attempt, and the message comes back", () =>
    Effect.gen(function*() {
      const attempts: Array<number> = []
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "now-throws",
        filterSubject: "wt.dev.tnowthrow.>",
        schema: Note,
        source: "triage",
        backoff: [50],
        handler: () => Effect.die("the handler is not used here"),
        handleNow: (_note, meta, done) => {
          attempts.push(meta.deliveries)
          if (meta.deliveries === 1) throw new Error("bug in handleNow")
          done(Exit.void)
          return true
        }
      }))
      yield* publishNotes("tnowthrow", "now-throw", [1])
      yield* eventually(consumerInfo("now-throws"), (i) => i.num_ack_pending === 0 && i.num_pending === 0 && attempts.length === 2, "handled on its second delivery")
      assert.deepStrictEqual(attempts, [1, 2])
      assert.deepStrictEqual(yield* settledBy("now-throws"), { handled: 1, retried: 1 })
    }))

  it.effect("a message taken now whose done never comes is given up at the ack wait's edge and dead-lettered at maxDeliver", () =>
    Effect.gen(function*() {
      let calls = 0
      yield* Effect.forkScoped(consume({
        stream: Streams.device,
        durable: "now-hangs",
        filterSubject: "wt.dev.tnowhang.>",
        schema: Note,
        source: "triage",
        maxDeliver: 2,
        giveUpAfter: 0,
        backoff: [50],
        ackWait: "600 millis",
        handler: () => Effect.die("the handler is not used here"),
        handleNow: () => {
          calls++
          return true
        }
      }))
      yield* publishNotes("tnowhang", "now-hang", [1])
      const [letter] = yield* eventually(deadLettersOn(subjectOf("tnowhang", "dev-1")), (l) => l.length === 1, "dead letter")
      assert.strictEqual(letter?.deliveries, 2)
      assert.include(letter?.reason, "did not finish within")
      assert.strictEqual(calls, 2)
    }))
})
