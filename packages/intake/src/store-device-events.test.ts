import { expect, layer } from "@effect/vitest"
import { Effect, Option, Result } from "effect"
import { type DeviceEvent, Streams } from "@wt/contracts"
import { examplePendantAlarm } from "@wt/contracts/examples"
import { readAtSequence } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { storeDeviceEvents } from "./store-device-event.ts"

const heartbeat = (id: string): DeviceEvent => examplePendantAlarm(id, { type: "technical", payload: { event: "heartbeat" } } as Partial<DeviceEvent>)

layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 60_000 })("storing a batch of device events", (it) => {
  it.effect("a batch mixing care alarms and heartbeats is stored whole, each result in its event's place, whichever connection took it", () =>
    Effect.gen(function*() {
      const events = [examplePendantAlarm("mix-a1"), heartbeat("mix-h1"), heartbeat("mix-h2"), examplePendantAlarm("mix-a2"), heartbeat("mix-h3")]
      const results = yield* storeDeviceEvents(events)
      expect(results).toHaveLength(events.length)
      for (const [i, result] of results.entries()) {
        expect(Result.isSuccess(result)).toBe(true)
        const stored = Option.getOrThrow(yield* readAtSequence(Streams.device, Result.getOrThrow(result).seq))
        expect(JSON.parse(new TextDecoder().decode(stored.data)).id).toBe(events[i]!.id)
      }
      // Only care alarms, and only heartbeats: each over its one connection, in order too.
      for (const batch of [[examplePendantAlarm("mix-a3"), examplePendantAlarm("mix-a4")], [heartbeat("mix-h4"), heartbeat("mix-h5")]]) {
        const stored = (yield* storeDeviceEvents(batch)).map((r) => Result.getOrThrow(r).seq)
        expect(stored[1]).toBeGreaterThan(stored[0]!)
      }
    }))
})
