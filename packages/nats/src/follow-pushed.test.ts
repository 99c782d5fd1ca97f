import { assert, layer } from "@effect/vitest"
import { RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { Effect, Fiber } from "effect"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import { followPushed, type FollowPushedOptions, retireDurable } from "./follow-pushed.ts"
import { NatsTestServer, until } from "./testing.ts"

const Stream = "FOLLOW_PUSHED_TEST"

/** Every other message on the followed subjects; some large, so that flow control has to be answered. */
const publishMany = (from: number, count: number) =>
  Effect.gen(function*() {
    const { js } = clientOf(yield* Nats)
    const followed: Array<number> = []
    yield* Effect.promise(async () => {
      for (let i = from; i < from + count; i++) {
        const body = i % 50 === 0 ? "x".repeat(200_000) : `{"n":${i}}`
        const ack = await js.publish(i % 2 === 0 ? `follow.a.${i % 7}` : `follow.b.${i % 7}`, Buffer.from(body))
        if (i % 2 === 0) followed.push(ack.seq)
      }
    })
    return followed
  })

/** Starts a follower of `follow.a.>` and returns what it was handed, what it was told on opening and of losses. */
const startFollower = (from: FollowPushedOptions["from"]) =>
  Effect.gen(function*() {
    const seen: Array<number> = []
    const opened: Array<number> = []
    const lost: Array<string> = []
    const fiber = yield* Effect.forkChild(followPushed({
      reader: "test-follower",
      stream: Stream,
      filterSubject: "follow.a.>",
      from,
      onOpened: (pending) => opened.push(pending),
      onLost: (reason) => lost.push(reason),
      onMessage: (msg, info) => {
        assert.isTrue(msg.subject.startsWith("follow.a."))
        seen.push(info.streamSeq)
      }
    }))
    return { seen, opened, lost, fiber }
  })

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 120_000 })("following a stream without acknowledgements", (it) => {
  it.effect("hands over each message of its filter once and in order, from a sequence, then what is stored later; says on opening how many wait", () =>
    Effect.gen(function*() {
      const { jsm } = clientOf(yield* Nats)
      yield* Effect.promise(() => jsm.streams.add({ name: Stream, subjects: ["follow.>"], storage: StorageType.File, retention: RetentionPolicy.Limits }))
      const before = yield* publishMany(1, 2_000)
      const follower = yield* startFollower({ seq: before[100]! })
      yield* until(() => follower.seen.length >= before.length - 100, "the stored messages read")
      assert.deepStrictEqual(follower.opened, [before.length - 100])
      const after = yield* publishMany(2_001, 600)
      const expected = [...before.slice(100), ...after]
      yield* until(() => follower.seen.length >= expected.length, "the later messages read")
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(follower.seen, expected)
      assert.deepStrictEqual(follower.lost, [])
      yield* Fiber.interrupt(follower.fiber)
    }))

  it.effect("starts at the first message stored at a time when given one", () =>
    Effect.gen(function*() {
      yield* publishMany(3_001, 20)
      yield* Effect.sleep("50 millis")
      const fromMs = Date.now()
      yield* Effect.sleep("50 millis")
      const later = yield* publishMany(3_021, 20)
      const follower = yield* startFollower({ timeMs: fromMs })
      yield* until(() => follower.seen.length >= later.length, "the messages since the time read")
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(follower.seen, later)
      yield* Fiber.interrupt(follower.fiber)
    }))

  it.effect("when its consumer is lost, says so and goes on after the last message it handed over: nothing missed, nothing twice", () =>
    Effect.gen(function*() {
      const { jsm } = clientOf(yield* Nats)
      const first = yield* publishMany(4_001, 200)
      const follower = yield* startFollower({ seq: first[0]! })
      yield* until(() => follower.seen.length >= first.length, "the first messages read")
      // The consumer goes away under it (a node lost, an operator's mistake): heartbeats stop.
      const names = yield* Effect.promise(async () => {
        const out: Array<string> = []
        for await (const c of jsm.consumers.list(Stream)) out.push(c.name)
        return out
      })
      assert.strictEqual(names.length, 1)
      yield* Effect.promise(() => jsm.consumers.delete(Stream, names[0]!))
      const meanwhile = yield* publishMany(4_201, 200)
      yield* until(() => follower.lost.length > 0, "the loss noticed", { timeoutMs: 15_000 })
      const expected = [...first, ...meanwhile]
      yield* until(() => follower.seen.length >= expected.length, "the rest read after resuming", { timeoutMs: 15_000 })
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(follower.seen, expected)
      // The second session opened after the last message handed over, with the rest waiting.
      assert.strictEqual(follower.opened.length, 2)
      assert.strictEqual(follower.opened[1], meanwhile.length)
      yield* Fiber.interrupt(follower.fiber)
    }))

  it.effect("takes over a durable's place, one past its ack floor, and deletes it; nothing when there is none", () =>
    Effect.gen(function*() {
      const { jsm, js } = clientOf(yield* Nats)
      yield* Effect.promise(() => jsm.consumers.add(Stream, { durable_name: "old-reader", filter_subject: "follow.a.>", ack_policy: "explicit" as never }))
      yield* publishMany(5_001, 10)
      const acked = yield* Effect.promise(async () => {
        const consumer = await js.consumers.get(Stream, "old-reader")
        const seqs: Array<number> = []
        for (let i = 0; i < 3; i++) {
          const m = await consumer.next()
          if (m === null) break
          await m.ackAck()
          seqs.push(m.seq)
        }
        return seqs
      })
      const floor = (yield* Effect.promise(() => jsm.consumers.info(Stream, "old-reader"))).ack_floor.stream_seq
      assert.strictEqual(floor, acked[2])
      assert.strictEqual(yield* retireDurable(Stream, "old-reader"), floor + 1)
      assert.strictEqual(yield* retireDurable(Stream, "old-reader"), undefined)
    }))
})
