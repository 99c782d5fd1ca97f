import { expect, layer } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { CareAlarmHistory, IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { TestDatabase } from "@wt/db/testing"
import { NatsTestServer } from "@wt/nats/testing"
import { Registry } from "@wt/registry"
import { DemoSeeder } from "@wt/registry/demo"
import { awaitIncidentEvent, deviceEvent, publishDeviceEvent } from "@wt/incident-store/testing"
import { triageDeviceEvent } from "./triage-event.ts"

/**
 * A storm whose bookkeeping for a returning device does not finish until the test releases it: the
 * device's restore waiting for the storm's next batch to be stored, or for another copy's writes to be read.
 */
class StormBookkeeping extends Context.Service<StormBookkeeping, Deferred.Deferred<void>>()("test/StormBookkeeping") {
  static readonly layer = Layer.effect(StormBookkeeping, Deferred.make<void>())
}

const HeldStorms = Layer.effect(
  SupervisionStorms,
  Effect.gen(function*() {
    const done = yield* StormBookkeeping
    return SupervisionStorms.of({
      routeLoss: () => Effect.succeed(Option.none()),
      noteIndividual: () => Effect.void,
      signOfLife: () => Deferred.await(done),
      heardFrom: () => Deferred.await(done),
      // The storm must be looked at again: the caller takes heardFrom.
      heardFromUnsafe: () => undefined,
      quietNow: () => false
    })
  })
)

const seeded = Layer.effectDiscard(
  Effect.gen(function*() {
    yield* (yield* DemoSeeder).seed({ ingestKey: Redacted.make("test-ingest-key-0123456789"), password: Redacted.make("pw-not-used"), residents: 3 })
  }).pipe(Effect.orDie)
).pipe(Layer.provide(DemoSeeder.layer))

const Env = Layer.mergeAll(HeldStorms, seeded).pipe(
  Layer.provideMerge(StormBookkeeping.layer),
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer, CareAlarmHistory.layer)),
  Layer.provideMerge(Registry.layer),
  Layer.provideMerge(TestDatabase),
  Layer.provideMerge(NatsTestServer.layerNats)
)

layer(Env, { excludeTestServices: true, timeout: 60_000 })("a care alarm during a storm", (it) => {
  it.effect("opens its incident before the storm's bookkeeping for its device is done", () =>
    Effect.gen(function*() {
      const alarm = deviceEvent("alarm-000001", { type: "safety_alarm", payload: { trigger: "pendant" } })
      const stored = yield* publishDeviceEvent(alarm)
      const triaging = yield* Effect.forkChild(triageDeviceEvent(alarm, {
        subject: "wt.dev.demo.alarm.safety_alarm.alarm-000001",
        streamSeq: stored.seq,
        deliveries: 1,
        storedAtMs: Date.now(),
        pending: 0,
        raw: new TextEncoder().encode(JSON.stringify(alarm)),
        headers: undefined
      }))

      const opened = yield* awaitIncidentEvent(alarm.id, 10_000)
      expect(opened.found.map((e) => e.type)).toEqual(["incident_opened"])
      expect(opened.found[0]?.decision.priority).toBe("P1")
      // Its message is not acknowledged until the device has left the storm's list.
      expect(triaging.pollUnsafe()).toBeUndefined()

      yield* Deferred.succeed(yield* StormBookkeeping, undefined)
      yield* Fiber.join(triaging)
    }))
})
