import { assert, layer } from "@effect/vitest"
import { DeliverPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { Effect, Exit, Fiber } from "effect"
import { bulkFollow, bulkReadRange, FlowHold } from "./bulk-read.ts"
import { clientOf } from "../client.ts"
import { Nats } from "../connection.ts"
import { eventually, NatsTestServer } from "../testing.ts"

const Stream = "BULK_READ_TEST"
const Total = 6_000
/** Deleted after publishing: the stream's sequences then have a gap. */
const Deleted = [1_500, 4_000]

interface Read {
  readonly seq: number
  readonly subject: string
  readonly data: string
}

// Sizes from empty to 1.5 MB (over the 1 MiB the socket reads at once), so frames are cut at every place;
// every third message with headers (delivered as HMSG), the rest without (MSG).
const payloadOf = (i: number) =>
  Buffer.from(
    i === 2_000
      ? "larger than one socket read ".repeat(55_000)
      : i % 97 === 0
      ? `big ${i} `.repeat(30_000)
      : `{"n":${i},"text":"${"æøå-".repeat(i % 300)}"}`.slice(0, i % 11 === 0 ? 0 : undefined)
  )
const subjectOf = (i: number) => `bulk.${i % 3 === 0 ? "north" : "demo"}.kind${i % 5}`

const bulk = (range: { fromSeq?: number; toSeq: number }) =>
  Effect.gen(function*() {
    const out: Array<Read> = []
    const count = yield* bulkReadRange({
      stream: Stream,
      ...range,
      onMessage: (seq, subject, data) => out.push({ seq, subject, data: Buffer.from(data).toString("base64") })
    })
    assert.strictEqual(count, out.length)
    return out
  })

/** How many messages the stream holds, a look at its consumers' names, and their names now (before a follower adds its own). */
const streamBeforeFollow = Effect.gen(function*() {
  const { jsm } = clientOf(yield* Nats)
  const stored = (yield* Effect.promise(() => jsm.streams.info(Stream))).state.messages
  const consumers = Effect.promise(async () => (await jsm.consumers.list(Stream).next()).map((c) => c.name))
  return { stored, consumers, before: yield* consumers }
})

/** The same range through the nats.js ordered consumer: what the bulk reader must equal. */
const reference = (range: { fromSeq?: number; toSeq: number }) =>
  Effect.gen(function*() {
    const { js } = clientOf(yield* Nats)
    return yield* Effect.promise(async () => {
      const consumer = await js.consumers.get(Stream, range.fromSeq === undefined ? {} : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: range.fromSeq })
      const out: Array<Read> = []
      if ((await consumer.info(true)).num_pending === 0) return out
      const messages = await consumer.consume({ max_messages: 1000 })
      for await (const m of messages) {
        if (m.seq <= range.toSeq) out.push({ seq: m.seq, subject: m.subject, data: Buffer.from(m.data).toString("base64") })
        if (m.seq >= range.toSeq || m.info.pending === 0) break
      }
      await consumer.delete()
      return out
    })
  })

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 120_000 })("bulk reading a stream", (it) => {
  it.effect("reads exactly what an ordered consumer reads, over any range, through gaps, headers, flow control and large messages", () =>
    Effect.gen(function*() {
      const { jsm, js, nc } = clientOf(yield* Nats)
      yield* Effect.promise(async () => {
        await jsm.streams.add({ name: Stream, subjects: ["bulk.>"], storage: StorageType.File, retention: RetentionPolicy.Limits })
        for (let i = 1; i <= Total; i++) {
          const h = natsHeaders()
          h.set("Nats-Msg-Id", `m-${i}`)
          nc.publish(subjectOf(i), payloadOf(i), i % 3 === 0 ? { headers: h } : undefined)
          if (i % 500 === 0) await nc.flush()
        }
        await js.publish("bulk.demo.last", Buffer.from("last"))
        for (const seq of Deleted) await jsm.streams.deleteMessage(Stream, seq)
      })
      const last = Total + 1

      const all = yield* bulk({ toSeq: last })
      assert.strictEqual(all.length, last - Deleted.length)
      assert.deepStrictEqual(all, yield* reference({ toSeq: last }))

      for (const range of [{ fromSeq: 1_001, toSeq: 2_000 }, { fromSeq: 1_500, toSeq: 1_500 }, { fromSeq: 1_499, toSeq: 1_501 }, { fromSeq: 5_990, toSeq: 99_999 }, { fromSeq: 3_000, toSeq: 3_000 }]) {
        const read = yield* bulk(range)
        assert.deepStrictEqual(read, yield* reference(range), JSON.stringify(range))
      }
      // Only a deleted sequence, and past the end: nothing, and no waiting for it.
      assert.deepStrictEqual(yield* bulk({ fromSeq: 1_500, toSeq: 1_500 }), [])
      assert.deepStrictEqual(yield* bulk({ fromSeq: last + 1, toSeq: last + 10 }), [])
    }))

  it.effect("follows one subject from a sequence, each message with its stored time, then what is stored later, until interrupted", () =>
    Effect.gen(function*() {
      const { jsm, js } = clientOf(yield* Nats)
      const read: Array<{ seq: number; subject: string; data: string; storedAtMs: number }> = []
      const fiber = yield* Effect.forkChild(bulkFollow({
        stream: Stream,
        filterSubject: "bulk.north.>",
        fromSeq: 5_000,
        onMessage: (seq, subject, data, storedAtMs) => void read.push({ seq, subject, data: Buffer.from(data).toString(), storedAtMs })
      }))
      // Every third message of the first test is on bulk.north: those from 5,000 on.
      const before = Array.from({ length: Total - 5_000 + 1 }, (_, i) => 5_000 + i).filter((i) => subjectOf(i).startsWith("bulk.north"))
      yield* eventually(Effect.sync(() => read.length), (n) => n >= before.length, "the stored north messages read")
      const later = yield* Effect.promise(async () => {
        const seqs: Array<number> = []
        for (let i = 0; i < 50; i++) seqs.push((await js.publish(i % 2 === 0 ? "bulk.north.later" : "bulk.demo.later", Buffer.from(`later ${i}`))).seq)
        return seqs.filter((_, i) => i % 2 === 0)
      })
      yield* eventually(Effect.sync(() => read.length), (n) => n >= before.length + later.length, "the later north messages read")
      yield* Effect.sleep("200 millis")
      assert.deepStrictEqual(read.map((r) => r.seq), [...before, ...later])
      for (const r of read) assert.match(r.subject, /^bulk\.north\./)
      assert.strictEqual(read.at(-1)!.data, "later 48")
      for (const r of [read[0]!, read.at(-1)!]) {
        const stored = yield* Effect.promise(() => jsm.streams.getMessage(Stream, { seq: r.seq }))
        assert.strictEqual(r.storedAtMs, stored!.time.getTime())
      }
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("held, a follower reads nothing more (what is on its way waits outside the process); released, it goes on where it stopped: every message once, in order, through one consumer", () =>
    Effect.gen(function*() {
      const { stored, consumers, before } = yield* streamBeforeFollow
      const flow = new FlowHold()
      const read: Array<number> = []
      let bytes = 0
      // Held from the first message on: the rest of that socket read is handed over, then nothing.
      const fiber = yield* Effect.forkChild(bulkFollow({
        stream: Stream,
        filterSubject: "bulk.>",
        fromSeq: 1,
        onMessage: (seq, _subject, data) => {
          read.push(seq)
          bytes += data.length
          if (read.length === 1) flow.hold()
        },
        flow
      }))
      yield* eventually(Effect.sync(() => read.length), (n) => n > 0, "the first messages read")
      yield* Effect.sleep("1 second")
      const atHold = read.length
      // At most the one read of 1 MiB, not the consumer's window (2 MiB at first, 32 later) nor the stream (about 18 MB).
      assert.isBelow(atHold, stored)
      assert.isAtMost(bytes, 1024 * 1024)
      assert.isTrue(flow.attached)
      // Longer than a heartbeat (2 s), shorter than the stall watch (6 s), which would end the session.
      yield* Effect.sleep("2500 millis")
      assert.strictEqual(read.length, atHold)
      const held = (yield* consumers).filter((name) => !before.includes(name))
      assert.strictEqual(held.length, 1)
      flow.release()
      yield* eventually(Effect.sync(() => read.length), (n) => n >= stored, "every message read")
      yield* Effect.sleep("200 millis")
      assert.strictEqual(read.length, stored)
      read.forEach((seq, i) => i > 0 && assert.isAbove(seq, read[i - 1]!))
      assert.deepStrictEqual((yield* consumers).filter((name) => !before.includes(name)), held)
      yield* Fiber.interrupt(fiber)
      assert.isFalse(flow.attached)
    }))

  it.effect("held past the stall watch (6 s), a follower ends, its consumer with it; followed again after the last message it handed over, every message is read once, in order", () =>
    Effect.gen(function*() {
      const { stored, consumers, before } = yield* streamBeforeFollow
      const flow = new FlowHold()
      const read: Array<number> = []
      let ended = 0
      const error = yield* Effect.flip(bulkFollow({
        stream: Stream,
        filterSubject: "bulk.>",
        fromSeq: 1,
        onMessage: (seq) => {
          read.push(seq)
          if (read.length === 1) flow.hold()
        },
        onEnded: () => ended++,
        flow
      }))
      // The frame writer goes on after the last event handed over, another way or again: so must the reader's end let it.
      assert.match(error.message, /no data for 6000 ms/)
      assert.strictEqual(ended, 1)
      assert.isFalse(flow.attached)
      assert.isBelow(read.length, stored)
      yield* eventually(consumers, (names) => names.every((name) => before.includes(name)), "the held session's consumer gone")
      flow.release()
      const fiber = yield* Effect.forkChild(bulkFollow({ stream: Stream, filterSubject: "bulk.>", fromSeq: read.at(-1)! + 1, onMessage: (seq) => void read.push(seq) }))
      yield* eventually(Effect.sync(() => read.length), (n) => n >= stored, "every message read")
      yield* Effect.sleep("200 millis")
      assert.strictEqual(read.length, stored)
      read.forEach((seq, i) => i > 0 && assert.isAbove(seq, read[i - 1]!))
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("fails, rather than reading nothing, when the stream does not exist", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(bulkReadRange({ stream: "NO_SUCH_STREAM", toSeq: 10, onMessage: () => undefined }))
      assert.isTrue(Exit.isFailure(exit))
    }))
})
