import { expect, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Schema } from "effect"
import { IncidentRecord, Streams, Subjects } from "@wt/contracts"
import { replay } from "@wt/incident"
import { readSubject } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { IncidentStore } from "./index.ts"

const at = "2026-11-25T03:00:00.000Z"
const pendant = examplePendantAlarm("evt-store-0001", { occurredAt: at })
const decision = exampleDecision("P1")
const open = { type: "open_incident", at, incidentId: "inc-1", tenant: "demo", residentId: "res-0001", decision, deviceEvent: pendant } as const

const TestLayer = IncidentStore.layer.pipe(Layer.provideMerge(NatsTestServer.layerNats))

layer(TestLayer, { excludeTestServices: true })("incident store on real JetStream", (it) => {
  it.effect("opening twice with the same device event stores one incident event", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      yield* store.execute("demo", "inc-1", open)
      const again = yield* store.execute("demo", "inc-1", open)
      expect(again.events).toHaveLength(0)
      const messages = yield* readSubject(Streams.incident, Subjects.incident("demo", "inc-1"))
      expect(messages).toHaveLength(1)
    }))

  it.effect("of two concurrent claims exactly one wins and the loser learns who", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      yield* store.execute("demo", "inc-2", { ...open, incidentId: "inc-2" })
      const claim = (id: string) => store.execute("demo", "inc-2", { type: "claim", at, by: { kind: "operator", id, name: id } }).pipe(Effect.exit)
      const [a, b] = yield* Effect.all([claim("kari"), claim("ola")], { concurrency: 2 })
      const wins = [a, b].filter(Exit.isSuccess)
      const losses = [a, b].filter(Exit.isFailure)
      expect(wins).toHaveLength(1)
      expect(losses).toHaveLength(1)
      expect(String(losses[0]!.cause)).toContain("AlreadyClaimed")
      const stored = yield* store.load("demo", "inc-2")
      expect(Option.getOrThrow(stored).state.status).toBe("claimed")
    }))

  it.effect("the last stored state equals a replay of the stored events", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      yield* store.execute("demo", "inc-3", { ...open, incidentId: "inc-3" })
      yield* store.execute("demo", "inc-3", { type: "correlate_device_event", at, decision, deviceEvent: { ...pendant, id: "evt-store-0002" } })
      yield* store.execute("demo", "inc-3", { type: "claim", at, by: { kind: "operator", id: "kari" } })
      yield* store.execute("demo", "inc-3", { type: "resolve", at, by: { kind: "operator", id: "kari" }, cause: "reassured" })
      const messages = yield* readSubject(Streams.incident, Subjects.incident("demo", "inc-3"))
      const records = messages.map((m) => Schema.decodeUnknownSync(Schema.fromJsonString(IncidentRecord))(new TextDecoder().decode(m.data)))
      expect(replay(records.map((r) => r.event))).toEqual(records.at(-1)!.state)
      expect(records.at(-1)!.state.status).toBe("resolved")
    }))

  it.effect("a command decided on a stale reading is decided again on the stored state, once", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      const opened = yield* store.execute("demo", "inc-4", { ...open, incidentId: "inc-4" })
      const asOpened = Option.some({ state: opened.state!, seq: opened.seq })
      yield* store.execute("demo", "inc-4", { type: "claim", at, by: { kind: "operator", id: "kari" } })
      // Told the incident is as it was opened, although kari has claimed it since.
      const joined = yield* store.execute("demo", "inc-4", { type: "correlate_device_event", at, decision, deviceEvent: { ...pendant, id: "evt-store-0003" } }, asOpened)
      expect(joined.state?.version).toBe(3)
      expect(joined.state?.status).toBe("claimed")
      // Told it is not there at all: the open is answered as the redelivery it is.
      yield* store.execute("demo", "inc-4", { ...open, incidentId: "inc-4" }, Option.none())
      const messages = yield* readSubject(Streams.incident, Subjects.incident("demo", "inc-4"))
      const records = messages.map((m) => Schema.decodeUnknownSync(Schema.fromJsonString(IncidentRecord))(new TextDecoder().decode(m.data)))
      expect(records.map((r) => r.event.type)).toEqual(["incident_opened", "incident_claimed", "device_event_correlated"])
      expect(Option.getOrThrow(yield* store.load("demo", "inc-4")).state.status).toBe("claimed")
    }))
})
