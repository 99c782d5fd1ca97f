import { assert, layer } from "@effect/vitest"
import { AckPolicy, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Streams, Subjects } from "@wt/contracts"
import { Effect } from "effect"
import { clientOf } from "../client.ts"
import { authenticatorOf } from "../credentials.ts"
import { Nats } from "../connection.ts"
import { eventually, NatsTestServer } from "../testing.ts"
import { makeAcker } from "./acks.ts"

interface Transport {
  send: (frame: Uint8Array) => void
}

/** Counts the socket writes of a connection, and the acks in them, while `body` runs. */
const countingWrites = <A>(nc: unknown, body: () => Promise<A>) =>
  Effect.promise(async () => {
    const transport = (nc as { protocol: { transport: Transport } }).protocol.transport
    const send = transport.send.bind(transport)
    const seen = { writes: 0, acks: 0 }
    const decoder = new TextDecoder()
    transport.send = (frame) => {
      seen.writes++
      seen.acks += decoder.decode(frame).split("+ACK").length - 1
      send(frame)
    }
    try {
      return { result: await body(), ...seen }
    } finally {
      transport.send = send
    }
  })

/** `count` stored messages of a device subject of its own, fetched (not yet acknowledged) through a new durable. */
const fetched = (deviceId: string, count: number, client?: { readonly js: JetStreamClient; readonly jsm: JetStreamManager }) =>
  Effect.gen(function*() {
    const { js, jsm } = client ?? clientOf(yield* Nats)
    const subject = Subjects.device("t1", "telemetry", "gps", deviceId)
    yield* Effect.promise(() => Promise.all(Array.from({ length: count }, (_, i) => js.publish(subject, `{"n":${i}}`))))
    const durable = `acks-${deviceId}`
    yield* Effect.promise(() => jsm.consumers.add(Streams.device, { durable_name: durable, filter_subject: subject, ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 }))
    const consumer = yield* Effect.promise(() => js.consumers.get(Streams.device, durable))
    const messages: Array<JsMsg> = []
    const batch = yield* Effect.promise(() => consumer.fetch({ max_messages: count, expires: 5000 }))
    yield* Effect.promise(async () => {
      for await (const msg of batch) {
        messages.push(msg)
        if (messages.length === count) break
      }
    })
    return { durable, messages }
  })

/** The consumer's acknowledgement state once the server has applied every ack sent (it applies them after reading them). */
const settledAckState = (durable: string, floor: number) =>
  eventually(ackState(durable), (state) => state.floor >= floor, `${durable}'s ack floor at ${floor}`, { timeoutMs: 5000 })

const ackState = (durable: string) =>
  Effect.gen(function*() {
    const { jsm } = clientOf(yield* Nats)
    const info = yield* Effect.promise(() => jsm.consumers.info(Streams.device, durable))
    return { pending: info.num_ack_pending, floor: info.ack_floor.consumer_seq, redelivered: info.num_redelivered }
  })

layer(NatsTestServer.layerNats, { excludeTestServices: true })("makeAcker", (it) => {
  it.effect("acknowledges 300 messages handled in one turn in one socket write, and the server counts every one acknowledged", () =>
    Effect.gen(function*() {
      const { nc } = clientOf(yield* Nats)
      const { durable, messages } = yield* fetched("dev-acks-turn", 300)
      assert.strictEqual(messages.length, 300)
      assert.deepStrictEqual(yield* ackState(durable), { pending: 300, floor: 0, redelivered: 0 })
      const ack = makeAcker(nc)
      // Each in a microtask of its own, as handlers finishing in fibers do.
      const seen = yield* countingWrites(nc, async () => {
        await Promise.all(messages.map((msg) => Promise.resolve().then(() => ack(msg))))
        await nc.flush()
      })
      assert.strictEqual(seen.acks, 300)
      // The acks' write, and the flush's PING.
      assert.isAtMost(seen.writes, 2)
      assert.deepStrictEqual(yield* settledAckState(durable, 300), { pending: 0, floor: 300, redelivered: 0 })
    }))

  it.effect("does not acknowledge a message twice", () =>
    Effect.gen(function*() {
      const { nc } = clientOf(yield* Nats)
      const { durable, messages } = yield* fetched("dev-acks-twice", 2)
      const ack = makeAcker(nc)
      const seen = yield* countingWrites(nc, async () => {
        ack(messages[0]!)
        ack(messages[0]!)
        // Nor after the client's own ack.
        messages[1]!.ack()
        ack(messages[1]!)
        await nc.flush()
      })
      assert.strictEqual(seen.acks, 2)
      assert.deepStrictEqual(yield* settledAckState(durable, 2), { pending: 0, floor: 2, redelivered: 0 })
    }))

  it.effect("acknowledges through the client's own path on a connection whose writes are not coalesced", () =>
    Effect.gen(function*() {
      const server = yield* NatsTestServer
      const authenticator = authenticatorOf(server.access("test").auth)
      // A connection makeNats did not open: its writes are the client's own.
      const plain = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ servers: server.url, ...(authenticator === undefined ? {} : { authenticator }) })),
        (nc) => Effect.promise(() => nc.close())
      )
      const jsm = yield* Effect.promise(() => jetstreamManager(plain))
      const { durable, messages } = yield* fetched("dev-acks-plain", 20, { js: jetstream(plain), jsm })
      const ack = makeAcker(plain)
      const seen = yield* countingWrites(plain, async () => {
        for (const msg of messages) ack(msg)
        await plain.flush()
      })
      assert.strictEqual(seen.acks, 20)
      assert.deepStrictEqual(yield* settledAckState(durable, 20), { pending: 0, floor: 20, redelivered: 0 })
    }))
})
