import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option, Schedule } from "effect"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { NatsTestServer } from "@wt/nats/testing"
import { IncidentStore, OpenIncidentIndex, routeDeviceEvent } from "./index.ts"
import { endIncident } from "./testing.ts"

const at = "2026-11-25T03:00:00.000Z"
const p1 = exampleDecision("P1")

/** An index that looks up as the real one does but holds whatever `peek` is told: a watch lagging the bucket. */
const lagging = (peek: OpenIncidentIndex["Service"]["peek"]) =>
  Effect.gen(function*() {
    const real = yield* OpenIncidentIndex
    return OpenIncidentIndex.of({ ...real, peek })
  })

/** Until the watched index holds what `expected` says, or two seconds pass. */
const heldSoon = <A>(look: Effect.Effect<A>, expected: (a: A) => boolean) =>
  look.pipe(Effect.repeat({ schedule: Schedule.spaced("20 millis"), times: 100, until: expected }))

const Bucket = NatsTestServer.layerNats
const Watched = OpenIncidentIndex.layerWatched.pipe(Layer.provideMerge(Bucket))

layer(Layer.mergeAll(IncidentStore.layer, Watched).pipe(Layer.provideMerge(Bucket)), { excludeTestServices: true })("a watched open-incident index", (it) => {
  it.effect("holds what another copy writes: a pointer, and the vacancy its release leaves, at their revisions", () =>
    Effect.gen(function*() {
      const watched = yield* OpenIncidentIndex
      // Another copy: the same bucket through an index of its own, not watched.
      const other = yield* Effect.provide(
        Effect.gen(function*() {
          return yield* OpenIncidentIndex
        }),
        OpenIncidentIndex.layer
      )
      expect(yield* other.reserve("demo", "res-m001", "inc-m001")).toBe(true)
      const set = Option.getOrThrow(yield* other.find("demo", "res-m001"))
      const held = yield* heldSoon(Effect.sync(() => watched.peek("demo", "res-m001")), (h) => h !== undefined && !("_tag" in h))
      expect(held).toMatchObject({ incidentId: "inc-m001", revision: set.revision })
      yield* other.release("demo", "res-m001", set.revision)
      const vacant = yield* other.lookup("demo", "res-m001")
      expect(yield* heldSoon(Effect.sync(() => watched.peek("demo", "res-m001")), (h) => h !== undefined && "_tag" in h)).toEqual(vacant)
      // A key nobody has written is vacant at revision 0, once the watch has caught up.
      expect(watched.peek("demo", "res-never")).toEqual({ _tag: "Vacant", revision: 0 })
    }))

  it.effect("routes a care alarm without reading the pointer when it holds it", () =>
    Effect.gen(function*() {
      const watched = yield* OpenIncidentIndex
      yield* heldSoon(Effect.sync(() => watched.peek("demo", "res-m002")), (h) => h !== undefined)
      let lookups = 0
      const counting = OpenIncidentIndex.of({ ...watched, lookup: (t, r) => Effect.suspend(() => { lookups++; return watched.lookup(t, r) }) })
      const routed = yield* Effect.provideService(routeDeviceEvent(examplePendantAlarm("evt-m002"), "res-m002", p1), OpenIncidentIndex, counting)
      expect(routed.opened).toBe(true)
      expect(lookups).toBe(0)
      // Its own write is held at once, before the watch brings it back.
      expect(watched.peek("demo", "res-m002")).toMatchObject({ incidentId: routed.incidentId })
    }))

  it.effect("a held vacancy that is stale joins the incident another copy opened, not a second one", () =>
    Effect.gen(function*() {
      const first = yield* routeDeviceEvent(examplePendantAlarm("evt-m003-a"), "res-m003", p1)
      const stale = yield* lagging(() => ({ _tag: "Vacant", revision: 0 }))
      const second = yield* Effect.provideService(routeDeviceEvent(examplePendantAlarm("evt-m003-b"), "res-m003", p1), OpenIncidentIndex, stale)
      expect(second).toEqual({ incidentId: first.incidentId, opened: false })
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("demo", first.incidentId)).state
      expect(state.deviceEventCount).toBe(2)
    }))

  it.effect("a held pointer to an ended incident that is stale joins the resident's open one", () =>
    Effect.gen(function*() {
      const index = yield* OpenIncidentIndex
      const ended = yield* routeDeviceEvent(examplePendantAlarm("evt-m004-a"), "res-m004", p1)
      const endedAt = Option.getOrThrow(yield* index.find("demo", "res-m004"))
      yield* endIncident("demo", ended.incidentId, at)
      const open = yield* routeDeviceEvent(examplePendantAlarm("evt-m004-b"), "res-m004", p1)
      expect(open.opened).toBe(true)
      // This copy still holds the pointer to the ended incident: its take-over fails, and it looks again.
      const stale = yield* lagging(() => endedAt)
      const third = yield* Effect.provideService(routeDeviceEvent(examplePendantAlarm("evt-m004-c"), "res-m004", p1), OpenIncidentIndex, stale)
      expect(third).toEqual({ incidentId: open.incidentId, opened: false })
      expect(Option.getOrThrow(yield* index.find("demo", "res-m004")).incidentId).toBe(open.incidentId)
    }))
})
