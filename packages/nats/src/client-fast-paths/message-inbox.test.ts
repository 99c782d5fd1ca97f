import { assert, describe, it } from "@effect/vitest"
import type { JsMsg } from "@nats-io/jetstream"
import { Effect, Fiber } from "effect"
import { MessageInbox, pumpInto } from "./message-inbox.ts"

/** A stand-in for a delivered message: only its sequence and whether it was handed back matter here. */
const message = (seq: number) => {
  const msg = { seq, naks: 0, nak() { msg.naks++ } }
  return msg
}
const asJs = (m: ReturnType<typeof message>) => m as unknown as JsMsg

describe("MessageInbox", () => {
  it.effect("hands messages out in the order they arrived, to waiting workers first", () =>
    Effect.gen(function*() {
      const inbox = new MessageInbox()
      const waiter = yield* Effect.forkChild(inbox.next)
      yield* Effect.yieldNow
      inbox.push(asJs(message(1)))
      inbox.push(asJs(message(2)))
      inbox.push(asJs(message(3)))
      assert.strictEqual((yield* Fiber.join(waiter))?.seq, 1)
      assert.strictEqual(inbox.size, 2)
      assert.strictEqual((yield* inbox.next)?.seq, 2)
      assert.strictEqual(inbox.take()?.seq, 3)
      assert.strictEqual(inbox.take(), undefined)
    }))

  it.effect("keeps order across many messages taken while more arrive", () =>
    Effect.sync(() => {
      const inbox = new MessageInbox()
      const out: Array<number> = []
      for (let seq = 1; seq <= 5000; seq++) {
        inbox.push(asJs(message(seq)))
        if (seq % 3 === 0) out.push(inbox.take()!.seq)
      }
      for (let m = inbox.take(); m !== undefined; m = inbox.take()) out.push(m.seq)
      assert.deepStrictEqual(out, Array.from({ length: 5000 }, (_, i) => i + 1))
    }))

  it.effect("an interrupted worker stops waiting and is handed nothing", () =>
    Effect.gen(function*() {
      const inbox = new MessageInbox()
      const waiter = yield* Effect.forkChild(inbox.next)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(waiter)
      inbox.push(asJs(message(1)))
      assert.strictEqual(inbox.size, 1)
    }))

  it.effect("closing wakes waiting workers with nothing, returns what was left, and hands back what arrives after", () =>
    Effect.gen(function*() {
      const inbox = new MessageInbox()
      inbox.push(asJs(message(1)))
      inbox.push(asJs(message(2)))
      assert.strictEqual(inbox.take()?.seq, 1)
      assert.deepStrictEqual(inbox.close().map((m) => m.seq), [2])
      assert.strictEqual(yield* inbox.next, undefined)

      const other = new MessageInbox()
      const waiter = yield* Effect.forkChild(other.next)
      yield* Effect.yieldNow
      other.close()
      assert.strictEqual(yield* Fiber.join(waiter), undefined)
      const late = message(3)
      other.push(asJs(late))
      assert.strictEqual(late.naks, 1)
      assert.strictEqual(other.size, 0)
    }))

  it.effect("reads the client's iterator no further ahead than its limit, so the client pulls no more than is taken", () =>
    Effect.gen(function*() {
      const inbox = new MessageInbox()
      let read = 0
      const iterator: AsyncIterator<JsMsg> = {
        next: async () => (read < 100 ? { done: false, value: asJs(message(++read)) } : { done: true, value: undefined })
      }
      const pumping = pumpInto(inbox, iterator, 4)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(read, 4)
      assert.strictEqual(inbox.take()?.seq, 1)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(read, 5)
      const taken: Array<number> = [2, 3, 4, 5].map(() => inbox.take()!.seq)
      assert.deepStrictEqual(taken, [2, 3, 4, 5])
      for (let seq = 6; seq <= 100; seq++) assert.strictEqual((yield* inbox.next)?.seq, seq)
      yield* Effect.promise(() => pumping)
      assert.strictEqual(read, 100)
    }))
})
