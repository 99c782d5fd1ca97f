import { expect, layer } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { Streams } from "@wt/contracts"
import { Nats } from "@wt/nats"
import { clientOf, consumerHandledCount, eventually } from "@wt/nats/testing"
import { FollowedReaders, SupervisionDurables } from "./lane-watermark.ts"
import { fastSettings, heartbeat, startSupervision, supervisionTestBase } from "./supervision-testing.ts"

const Base = supervisionTestBase({ residents: 4, fastDevices: [] })
const settings = fastSettings()

/** Tech-lane messages this process's followers were handed so far (the same counter the benchmark reads). */
const techHandled = consumerHandledCount(Streams.device, FollowedReaders.tech)

const heartbeats = (count: number) => Effect.forEach(Array.from({ length: count }, (_, i) => `alarm-00000${1 + (i % 4)}`), heartbeat)

const copyOfSupervision = Effect.gen(function*() {
  const scope = yield* Scope.make()
  yield* startSupervision(settings, scope)
  return scope
})

const durableExists = (name: string) =>
  Effect.gen(function*() {
    const { jsm } = clientOf(yield* Nats)
    return yield* Effect.promise(() => jsm.consumers.info(Streams.device, name).then(() => true, () => false))
  })

// In this order: the first start finds the old durable and an empty journal; the second finds the first's positions.
layer(Base, { excludeTestServices: true, timeout: 90_000 })("supervision's followed lanes", (it) => {
  it.effect("the first start after the change takes up the tech lane where the old durable had got to, and deletes that durable", () =>
    Effect.gen(function*() {
      const { jsm, js } = clientOf(yield* Nats)
      // The durable as supervision left it: three heartbeats handled and acknowledged, two not.
      yield* Effect.promise(() =>
        jsm.consumers.add(Streams.device, { durable_name: SupervisionDurables.tech, filter_subject: "wt.dev.*.tech.>", ack_policy: "explicit" as never })
      )
      yield* heartbeats(5)
      yield* Effect.promise(async () => {
        const consumer = await js.consumers.get(Streams.device, SupervisionDurables.tech)
        for (let i = 0; i < 3; i++) await (await consumer.next())?.ackAck()
      })
      const before = yield* techHandled
      const scope = yield* copyOfSupervision
      yield* eventually(techHandled, (n) => n - before >= 2, "the unacknowledged heartbeats read")
      yield* Effect.sleep("1 second")
      // The two it had not acknowledged, and not the three it had.
      expect((yield* techHandled) - before).toBe(2)
      expect(yield* durableExists(SupervisionDurables.tech)).toBe(false)
      yield* Scope.close(scope, Exit.void)
    }))

  it.effect("a starting copy follows on from the position the journal's pages give: what was read before is not read again, what came meanwhile is", () =>
    Effect.gen(function*() {
      const first = yield* copyOfSupervision
      yield* heartbeats(8)
      // Stopping flushes what it holds into the journal, with the position it had read the lanes through.
      yield* Effect.sleep("1500 millis")
      yield* Scope.close(first, Exit.void)
      const meanwhile = 6
      yield* heartbeats(meanwhile)
      const before = yield* techHandled
      const second = yield* copyOfSupervision
      yield* eventually(techHandled, (n) => n - before >= meanwhile, "the heartbeats of the downtime read")
      yield* Effect.sleep("1 second")
      expect((yield* techHandled) - before).toBe(meanwhile)
      yield* heartbeats(3)
      yield* eventually(techHandled, (n) => n - before >= meanwhile + 3, "the later heartbeats read")
      yield* Effect.sleep("500 millis")
      expect((yield* techHandled) - before).toBe(meanwhile + 3)
      yield* Scope.close(second, Exit.void)
    }))
})
