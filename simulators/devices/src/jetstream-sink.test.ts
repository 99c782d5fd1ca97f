import { assert, layer } from "@effect/vitest"
import { DeviceDedupWindowMs, DeviceEvent, deviceEventKey, Streams, Subjects } from "@wt/contracts"
import type { DeviceEvent as DeviceEventType } from "@wt/contracts"
import { makeNats, Nats } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Array as Arr, Clock, Effect, Exit, Layer, Option, Result, Schema } from "effect"
import { EventSink } from "./event-sink.ts"
import { demoSimFleet } from "./fleet.ts"
import { generateEvents, makeFleetEvents } from "./fleet-events.ts"
import { deviceSubject, jetStreamSink } from "./jetstream-sink.ts"
import { makeTally, runSimulation } from "./simulation.ts"

// WT_DEVICE as the contract describes it, made here so the test depends on nothing but the contract.
const DeviceStream = Layer.effectDiscard(
  Effect.gen(function*() {
    const nats = yield* Nats
    yield* Effect.orDie(nats.addStream({ name: Streams.device, subjects: [Subjects.deviceAll], duplicate_window: DeviceDedupWindowMs * 1_000_000 }))
  })
)
const TestNats = Layer.effect(
  Nats,
  Effect.gen(function*() {
    const server = yield* NatsTestServer
    // The test makes the stream and reads it back as well as publishing: NATS user `test`, with every right.
    return yield* makeNats({ url: server.url, name: "wt-sim-devices-test", ...server.access("test") })
  })
).pipe(Layer.provide(NatsTestServer.layer))
const TestLayer = jetStreamSink.pipe(Layer.provide(DeviceStream), Layer.provideMerge(TestNats))

const fleet = demoSimFleet({ residents: 50 })
const startMs = Date.parse("2026-11-25T21:00:00.000Z")
const events = Result.getOrThrow(generateEvents(fleet, { seed: 11, idSalt: 1 }, 1_000, { startMs, stepMs: 3 }))

const deliverAll = (batch: ReadonlyArray<DeviceEventType>) =>
  Effect.gen(function*() {
    const sink = yield* EventSink
    const deliveries = yield* Effect.forEach(Arr.chunksOf(batch, 256), sink.deliver, { concurrency: 4 })
    return {
      accepted: deliveries.reduce((n, d) => n + d.accepted, 0),
      rejected: deliveries.reduce((n, d) => n + d.rejected, 0),
      duplicates: deliveries.reduce((n, d) => n + d.duplicates, 0)
    }
  })

const streamState = Effect.gen(function*() {
  const nats = yield* Nats
  const info = yield* Effect.orDie(nats.streamInfo(Streams.device, { subjectsFilter: ">" }))
  return { messages: info.state.messages, subjects: info.state.subjects ?? {} }
})

const countBySubject = (batch: ReadonlyArray<DeviceEventType>): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const event of batch) counts[deviceSubject(event)] = (counts[deviceSubject(event)] ?? 0) + 1
  return counts
}

layer(TestLayer, { excludeTestServices: true })("JetStream sink", (it) => {
  it.effect("stores every event once, on its tenant/lane/type/device subject", () =>
    Effect.gen(function*() {
      const result = yield* deliverAll(events)
      assert.deepStrictEqual(result, { accepted: 1_000, rejected: 0, duplicates: 0 })
      const state = yield* streamState
      assert.strictEqual(state.messages, 1_000)
      assert.deepStrictEqual(state.subjects, countBySubject(events))
      // Lanes follow the type: care alarms never share a subject space with heartbeats or
      // positions. A GPS tracker's SOS is a care alarm and rides the alarm lane.
      for (const subject of Object.keys(state.subjects)) {
        const [, , tenant, lane, type] = subject.split(".")
        assert.strictEqual(tenant, "demo")
        if (type === "gps") assert.ok(lane === "telemetry" || lane === "alarm", subject)
        else assert.strictEqual(lane, type === "technical" ? "tech" : "alarm")
      }
      for (const e of events) {
        if (e.type !== "gps") continue
        assert.strictEqual(deviceSubject(e).split(".")[3], e.payload.sos === true ? "alarm" : "telemetry")
      }
    }))

  it.effect("sending the same events again stores nothing new", () =>
    Effect.gen(function*() {
      const result = yield* deliverAll(events)
      assert.deepStrictEqual(result, { accepted: 0, rejected: 0, duplicates: 1_000 })
      assert.strictEqual((yield* streamState).messages, 1_000)
    }))

  it.effect("stores the canonical event with receivedAt stamped, as the gateway would", () =>
    Effect.gen(function*() {
      const nats = yield* Nats
      const first = events[0]!
      const stored = Option.getOrNull(yield* Effect.orDie(nats.getMessage(Streams.device, { lastBySubject: deviceSubject(first) })))
      assert.isNotNull(stored)
      const decoded = Schema.decodeUnknownExit(DeviceEvent)(JSON.parse(new TextDecoder().decode(stored!.data)))
      assert.isTrue(Exit.isSuccess(decoded))
      if (Exit.isSuccess(decoded)) {
        assert.isString(decoded.value.receivedAt)
        // De-duplicated by the event's identity, as the gateway stores it: tenant, device, sender's id.
        assert.strictEqual(stored!.header("Nats-Msg-Id"), deviceEventKey(decoded.value))
      }
    }))

  it.effect("a paced run delivers exactly --count events and reports them", () =>
    Effect.gen(function*() {
      const before = (yield* streamState).messages
      const source = Result.getOrThrow(makeFleetEvents(fleet, { seed: 12, idSalt: 2 }))
      const t0 = yield* Clock.currentTimeMillis
      const summary = yield* runSimulation({
        source,
        rate: 1_000,
        count: 300,
        batch: 256,
        concurrency: 4,
        tally: makeTally(t0),
        startMs: t0
      })
      assert.strictEqual(summary.sent, 300)
      assert.strictEqual(summary.accepted, 300)
      assert.strictEqual(summary.rejected, 0)
      assert.strictEqual(Object.values(summary.byType).reduce((a, b) => a + b, 0), 300)
      // 300 events at 1000/s with a 50-event burst take at least a quarter of a second.
      assert.isAtLeast(summary.elapsedS, 0.2)
      assert.strictEqual((yield* streamState).messages, before + 300)
    }))
})
