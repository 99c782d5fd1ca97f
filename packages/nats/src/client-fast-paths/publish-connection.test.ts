import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Result } from "effect"
import { clientOf } from "../client.ts"
import { makeNats, Nats } from "../connection.ts"
import { publishRawAll } from "../publish.ts"
import { readSubject } from "../read.ts"
import { eventually, NatsTestServer } from "../testing.ts"
import { ownPubAcksOf } from "./pub-acks.ts"

const Stream = "PUBLISH_CONNECTION_TEST"
const encoder = new TextEncoder()
let written = 0

/** `count` messages with ids of their own, or with the ids given. */
const messagesOf = (ids: ReadonlyArray<string>) =>
  ids.map((id, i) => ({ subject: `pubconn.demo.kind${i % 4}`, bytes: encoder.encode(`{"id":"${id}","pad":"${"x".repeat(i % 300)}"}`), options: { msgId: id } }))
const freshIds = (count: number) => Array.from({ length: count }, () => `m-${written++}`)

/** The test connection's publisher over its own connection, once that connection is open. */
const openOwn = Effect.gen(function*() {
  const nats = yield* Nats
  const own = ownPubAcksOf(clientOf(nats).nc, nats.access)
  yield* eventually(Effect.sync(() => own.ownConnection?.isOpen === true), (open) => open, "the own connection open")
  return own
})

const storedIds = Effect.map(readSubject(Stream, "pubconn.>"), (messages) => messages.map((m) => JSON.parse(new TextDecoder().decode(m.data)).id as string))

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 60_000 })("publishing over a connection of its own", (it) => {
  it.effect("a batch is stored and answered as through the client: every message once, in order, each with its sequence; sent again, each a duplicate", () =>
    Effect.gen(function*() {
      const { jsm } = clientOf(yield* Nats)
      yield* Effect.promise(() => jsm.streams.add({ name: Stream, subjects: ["pubconn.>"], duplicate_window: 120_000_000_000 }))
      const own = yield* openOwn
      const sentBefore = own.ownConnection!.sent
      const ids = freshIds(3_000)
      const first = yield* publishRawAll(messagesOf(ids), { ownConnection: true })
      const seqs = first.map((r) => Result.getOrThrow(r))
      assert.isTrue(seqs.every((ack, i) => ack.stream === Stream && !ack.duplicate && (i === 0 || ack.seq === seqs[i - 1]!.seq + 1)))
      assert.deepStrictEqual(yield* storedIds, ids)
      const again = yield* publishRawAll(messagesOf(ids), { ownConnection: true })
      assert.deepStrictEqual(again.map((r) => Result.getOrThrow(r)), seqs.map((ack) => ({ ...ack, duplicate: true })))
      assert.deepStrictEqual(yield* storedIds, ids)
      assert.strictEqual(own.ownConnection!.sent - sentBefore, 2 * ids.length, "every publish over the own connection")
    }))

  it.effect("a named own connection is one more connection: what is published by its name goes over it alone, stored and answered; by no name, over the other", () =>
    Effect.gen(function*() {
      const nats = yield* Nats
      const own = yield* openOwn
      const alarms = ownPubAcksOf(clientOf(nats).nc, nats.access, "wt-publish-test-alarm")
      yield* eventually(Effect.sync(() => alarms.ownConnection?.isOpen === true), (open) => open, "the named connection open")
      assert.notStrictEqual(alarms, own)
      assert.strictEqual(ownPubAcksOf(clientOf(nats).nc, nats.access, "wt-publish-test-alarm"), alarms, "one per name")
      assert.notStrictEqual(alarms.ownConnection!.inbox, own.ownConnection!.inbox)
      const [ownBefore, alarmsBefore] = [own.ownConnection!.sent, alarms.ownConnection!.sent]
      const bulkIds = freshIds(2_000)
      const alarmIds = freshIds(5)
      // The alarms go while the bulk batch is still being answered.
      const bulk = yield* Effect.forkChild(publishRawAll(messagesOf(bulkIds), { ownConnection: true }))
      const stored = yield* publishRawAll(messagesOf(alarmIds), { ownConnection: "wt-publish-test-alarm" })
      assert.isTrue(stored.every((r) => Result.isSuccess(r) && !r.success.duplicate))
      assert.isTrue((yield* Fiber.join(bulk)).every(Result.isSuccess))
      assert.strictEqual(alarms.ownConnection!.sent - alarmsBefore, alarmIds.length)
      assert.strictEqual(own.ownConnection!.sent - ownBefore, bulkIds.length)
      const all = yield* storedIds
      assert.includeMembers(all, [...alarmIds, ...bulkIds])
    }))

  it.effect("a connection lost with publishes in flight: they are sent again through the client, each stored once, and the connection opens again", () =>
    Effect.gen(function*() {
      const own = yield* openOwn
      const before = (yield* storedIds).length
      const ids = freshIds(5_000)
      const fiber = yield* Effect.forkChild(publishRawAll(messagesOf(ids), { ownConnection: true }))
      // The batch's write has gone out; most answers have not come back yet.
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      own.ownConnection!.dropForTest()
      const droppedAt = Date.now()
      const results = yield* Fiber.join(fiber)
      // Sent again at once, not after their answer's timeout (5 s).
      assert.isBelow(Date.now() - droppedAt, 4_000)
      assert.isTrue(results.every(Result.isSuccess))
      const stored = yield* storedIds
      assert.strictEqual(stored.length, before + ids.length)
      assert.deepStrictEqual(stored.slice(before), ids)
      yield* eventually(Effect.sync(() => own.ownConnection?.isOpen === true), (open) => open, "the own connection open again", { timeoutMs: 5_000 })
    }))

  it.effect("a subject no stream stores fails as having no stream, and one the user may not publish to is refused at once", () =>
    Effect.gen(function*() {
      yield* openOwn
      const [nowhere] = yield* publishRawAll([{ subject: "nostream.here", bytes: encoder.encode("{}"), options: { msgId: "n-1", timeoutMs: 1_000, attempts: 2 } }], { ownConnection: true })
      assert.isTrue(Result.isFailure(nowhere!))
      assert.match(Result.isFailure(nowhere!) ? nowhere.failure.message : "", /no stream stores subject nostream\.here/)
      // The gateway's user may store device events, never incidents.
      const server = yield* NatsTestServer
      const gateway = yield* makeNats({ url: server.url, name: "perm-gateway", ...server.access("gateway"), connectTimeoutMs: 2_000 })
      const own = ownPubAcksOf(clientOf(gateway).nc, gateway.access)
      yield* eventually(Effect.sync(() => own.ownConnection?.isOpen === true), (open) => open, "the gateway's own connection open")
      const startedAt = Date.now()
      const sentBefore = own.ownConnection!.sent
      const [refused] = yield* publishRawAll([{ subject: "wt.inc.demo.x", bytes: encoder.encode("{}"), options: { msgId: "r-1", timeoutMs: 10_000 } }], { ownConnection: true }).pipe(
        Effect.provideService(Nats, gateway)
      )
      assert.isTrue(Result.isFailure(refused!))
      assert.match(Result.isFailure(refused!) ? refused.failure.message : "", /permissions violation/)
      assert.isBelow(Date.now() - startedAt, 5_000, "refused, not timed out")
      assert.strictEqual(own.ownConnection!.sent - sentBefore, 1, "refused on the own connection")
    }))
})
