import { assert, layer } from "@effect/vitest"
import { Subjects } from "@wt/contracts"
import { Effect } from "effect"
import { clientOf } from "../client.ts"
import { Nats } from "../connection.ts"
import { NatsTestServer } from "../testing.ts"

interface Transport {
  send: (frame: Uint8Array) => void
}

layer(NatsTestServer.layerNats, { excludeTestServices: true })("coalesceWrites", (it) => {
  it.effect("sends what fibers publish in one turn of the event loop in one socket write, and delivers all of it", () =>
    Effect.gen(function*() {
      const { nc } = clientOf(yield* Nats)
      const transport = (nc as unknown as { protocol: { transport: Transport } }).protocol.transport
      const send = transport.send.bind(transport)
      let writes = 0
      transport.send = (frame) => {
        writes++
        send(frame)
      }
      const subject = Subjects.device("t1", "telemetry", "gps", "dev-coalesce")
      const received: Array<string> = []
      const sub = nc.subscribe(subject, { callback: (_e, msg) => { received.push(msg.string()) } })
      // Each publish in a microtask of its own, as fibers resuming from promises do.
      yield* Effect.promise(() => Promise.all(Array.from({ length: 200 }, (_, i) => Promise.resolve().then(() => nc.publish(subject, `m${i}`)))))
      yield* Effect.promise(() => nc.flush())
      transport.send = send
      assert.isAtMost(writes, 3)
      yield* Effect.promise(async () => {
        const deadline = Date.now() + 5000
        while (received.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      })
      sub.unsubscribe()
      assert.deepStrictEqual(received, Array.from({ length: 200 }, (_, i) => `m${i}`))
    }))
})
