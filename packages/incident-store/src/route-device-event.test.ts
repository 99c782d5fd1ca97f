import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { type DeviceEvent, Streams, Subjects, type TriageDecision } from "@wt/contracts"
import { Nats, OpenIncidentBucket, readSubject } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { IncidentStore, OpenIncidentIndex, routeDeviceEvent } from "./index.ts"
import { endIncident } from "./testing.ts"

const at = "2026-11-25T03:00:00.000Z"
const alarm = (id: string, deviceId = "alarm-000001"): DeviceEvent => ({
  id,
  tenant: "demo",
  deviceId,
  occurredAt: at,
  receivedAt: at,
  source: { via: "sim" },
  type: "safety_alarm",
  payload: { trigger: "pendant" }
})
const p = (priority: TriageDecision["priority"]): TriageDecision => ({ ruleId: "r", ruleSetVersion: "t", priority, category: "care", reason: "x", fireService: false })

const TestLayer = Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer).pipe(Layer.provideMerge(NatsTestServer.layerNats))

layer(TestLayer, { excludeTestServices: true })("routing device events into incidents", (it) => {
  it.effect("ten concurrent alarms from one resident make one incident with ten device events", () =>
    Effect.gen(function*() {
      const routed = yield* Effect.all(
        Array.from({ length: 10 }, (_, i) => routeDeviceEvent(alarm(`evt-con-${String(i).padStart(4, "0")}`), "res-0001", p("P1"))),
        { concurrency: 10 }
      )
      expect(new Set(routed.map((r) => r.incidentId)).size).toBe(1)
      expect(routed.filter((r) => r.opened)).toHaveLength(1)
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("demo", routed[0]!.incidentId)).state
      expect(state.deviceEventCount).toBe(10)
    }))

  it.effect("a redelivered event adds nothing to its incident", () =>
    Effect.gen(function*() {
      const first = yield* routeDeviceEvent(alarm("evt-redo-0001"), "res-0002", p("P1"))
      const again = yield* routeDeviceEvent(alarm("evt-redo-0001"), "res-0002", p("P1"))
      expect(again.incidentId).toBe(first.incidentId)
      const messages = yield* readSubject(Streams.incident, Subjects.incident("demo", first.incidentId))
      expect(messages).toHaveLength(1)
    }))

  it.effect("a P1 joining a resident's P3 incident makes it P1", () =>
    Effect.gen(function*() {
      const first = yield* routeDeviceEvent(alarm("evt-rise-0001"), "res-0003", p("P3"))
      yield* routeDeviceEvent(alarm("evt-rise-0002"), "res-0003", p("P1"))
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("demo", first.incidentId)).state
      expect(state.priority).toBe("P1")
    }))

  it.effect("after the incident is resolved the next alarm opens a new one", () =>
    Effect.gen(function*() {
      const first = yield* routeDeviceEvent(alarm("evt-end-0001"), "res-0004", p("P1"))
      yield* endIncident("demo", first.incidentId, at)
      const second = yield* routeDeviceEvent(alarm("evt-end-0002"), "res-0004", p("P1"))
      expect(second.opened).toBe(true)
      expect(second.incidentId).not.toBe(first.incidentId)
    }))

  it.effect("a resident's alarm after a resolved incident takes the pointer over in one write, with no release between", () =>
    Effect.gen(function*() {
      const first = yield* routeDeviceEvent(alarm("evt-over-0001"), "res-0006", p("P1"))
      yield* endIncident("demo", first.incidentId, at)
      // The bucket keeps one entry per key, so its stream's writes are counted: one, where a release
      // (a delete marker) and a reservation were two.
      const nats = yield* Nats
      const writesBefore = (yield* nats.streamInfo(`KV_${OpenIncidentBucket}`)).state.last_seq
      const second = yield* routeDeviceEvent(alarm("evt-over-0002"), "res-0006", p("P1"))
      expect(second).toEqual({ incidentId: expect.not.stringMatching(first.incidentId), opened: true })
      expect((yield* nats.streamInfo(`KV_${OpenIncidentBucket}`)).state.last_seq - writesBefore).toBe(1)
      expect(Option.getOrThrow(yield* (yield* OpenIncidentIndex).find("demo", "res-0006")).incidentId).toBe(second.incidentId)
      // A redelivery of the second alarm finds its own incident through the pointer and adds nothing.
      const again = yield* routeDeviceEvent(alarm("evt-over-0002"), "res-0006", p("P1"))
      expect(again).toEqual({ incidentId: second.incidentId, opened: false })
      expect(yield* readSubject(Streams.incident, Subjects.incident("demo", second.incidentId))).toHaveLength(1)
    }))

  it.effect("an ended incident's pointer moved by another copy first is not taken over", () =>
    Effect.gen(function*() {
      const index = yield* OpenIncidentIndex
      expect(yield* index.reserve("demo", "res-0007", "inc-ended")).toBe(true)
      const seen = Option.getOrThrow(yield* index.find("demo", "res-0007"))
      expect(yield* index.replace("demo", "res-0007", "inc-copy-a", seen.revision)).toBe(true)
      // The second copy saw the same ended pointer: its compare-and-set fails and the first copy's stands.
      expect(yield* index.replace("demo", "res-0007", "inc-copy-b", seen.revision)).toBe(false)
      expect(Option.getOrThrow(yield* index.find("demo", "res-0007")).incidentId).toBe("inc-copy-a")
    }))

  it.effect("a vacancy seen before another incident took the pointer reserves nothing", () =>
    Effect.gen(function*() {
      const index = yield* OpenIncidentIndex
      const seen = yield* index.lookup("demo", "res-0005")
      expect(seen).toEqual({ _tag: "Vacant", revision: 0 })
      expect(yield* index.reserve("demo", "res-0005", "inc-other")).toBe(true)
      expect(yield* index.reserve("demo", "res-0005", "inc-late", seen as { _tag: "Vacant"; revision: number })).toBe(false)
      expect(Option.getOrThrow(yield* index.find("demo", "res-0005")).incidentId).toBe("inc-other")
      // Released, the key is vacant at its delete marker's revision, and a reservation there holds.
      const held = Option.getOrThrow(yield* index.find("demo", "res-0005"))
      yield* index.release("demo", "res-0005", held.revision)
      const vacant = yield* index.lookup("demo", "res-0005")
      expect(vacant).toMatchObject({ _tag: "Vacant" })
      expect(yield* index.reserve("demo", "res-0005", "inc-next", vacant as { _tag: "Vacant"; revision: number })).toBe(true)
      expect(Option.getOrThrow(yield* index.find("demo", "res-0005")).incidentId).toBe("inc-next")
    }))
})
