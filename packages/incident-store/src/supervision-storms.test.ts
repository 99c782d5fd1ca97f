import { expect, layer } from "@effect/vitest"
import { Clock, ConfigProvider, Context, Effect, Exit, Fiber, Layer, Option } from "effect"
import { examplePendantAlarm, exampleDecision } from "@wt/contracts/examples"
import { type DeviceEvent, Streams, Subjects, type TriageDecision } from "@wt/contracts"
import { Nats, readSubjectAfter } from "@wt/nats"
import { clientOf, NatsTestServer } from "@wt/nats/testing"
import { IncidentStore, OpenIncidentIndex, readStormLedger, type ReturnsStored, routeDeviceEvent, StormKey, SupervisionStorms } from "./index.ts"

const lost = (n: number): DeviceEvent =>
  examplePendantAlarm(`evt-loss-${String(n).padStart(5, "0")}`, {
    deviceId: `dev-${n}`,
    occurredAt: new Date().toISOString(),
    type: "technical",
    payload: { event: "communication_failure" }
  } as Partial<DeviceEvent>)
const back = (n: number): DeviceEvent =>
  examplePendantAlarm(`evt-back-${String(n).padStart(5, "0")}`, { deviceId: `dev-${n}`, type: "technical", payload: { event: "heartbeat" } } as Partial<DeviceEvent>)
const technical: TriageDecision = { ...exampleDecision("P4"), ruleId: "technical.fault", category: "technical" }
const storm: TriageDecision = { ...exampleDecision("P2"), ruleId: "technical.supervision-storm", category: "technical" }

const Settings = ConfigProvider.layer(ConfigProvider.fromUnknown({ WT_STORM_THRESHOLD: "5", WT_STORM_WINDOW: "1 minute", WT_STORM_FLUSH_MS: "50" }))
const TestLayer = SupervisionStorms.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer)),
  Layer.provideMerge(NatsTestServer.layerNats),
  Layer.provide(Settings)
)

/** What triage does with a supervision loss: the storm if there is one, else the resident's incident. */
const route = (event: DeviceEvent, n: number, copy?: SupervisionStorms["Service"]) =>
  Effect.gen(function*() {
    const storms = copy ?? (yield* SupervisionStorms)
    const inStorm = yield* storms.routeLoss(event, storm)
    if (Option.isSome(inStorm)) return inStorm.value
    const routed = yield* routeDeviceEvent(event, `res-${n}`, technical)
    yield* storms.noteIndividual(event.tenant, event.deviceId, routed.incidentId)
    return routed
  })

layer(TestLayer, { excludeTestServices: true })("supervision storms", (it) => {
  it.effect("200 devices losing supervision within a minute form one storm with the list; those that come back leave it", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      const routed = yield* Effect.forEach(Array.from({ length: 200 }, (_, n) => n), (n) => route(lost(n), n), { concurrency: 16 })
      const stormIds = new Set(routed.filter((r) => r.incidentId.startsWith("storm-")).map((r) => r.incidentId))
      expect(stormIds.size).toBe(1)
      const stormId = [...stormIds][0]!
      // The few individual incidents opened before the threshold was reached are merged into the storm.
      const individuals = [...new Set(routed.filter((r) => !r.incidentId.startsWith("storm-")).map((r) => r.incidentId))]
      expect(individuals.length).toBeLessThan(5)
      for (const id of individuals) expect(Option.getOrThrow(yield* store.load("demo", id)).state.status).toBe("merged")
      const state = Option.getOrThrow(yield* store.load("demo", stormId)).state
      expect(state.residentId).toBe(StormKey)
      expect(state.storm).toEqual({ devices: 200, stillDown: 200 })
      expect((yield* readStormLedger("demo", stormId)).down.size).toBe(200)

      const storms = yield* SupervisionStorms
      yield* Effect.forEach(Array.from({ length: 150 }, (_, n) => n), (n) => storms.signOfLife(back(n)), { concurrency: 16 })
      const after = Option.getOrThrow(yield* store.load("demo", stormId)).state
      expect(after.storm).toEqual({ devices: 200, stillDown: 50 })
      expect([...(yield* readStormLedger("demo", stormId)).down].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `dev-${150 + i}`).sort())
    }))

  it.effect("a loss redelivered into the storm counts once", () =>
    Effect.gen(function*() {
      const store = yield* IncidentStore
      const first = yield* route(lost(5), 5)
      const before = Option.getOrThrow(yield* store.load("demo", first.incidentId)).state.storm
      yield* route(lost(5), 5)
      yield* route(lost(5), 5)
      const state = Option.getOrThrow(yield* store.load("demo", first.incidentId)).state
      const ledger = yield* readStormLedger("demo", first.incidentId)
      expect(ledger.down.has("dev-5")).toBe(true)
      expect(state.storm).toEqual(before)
      expect(state.storm?.stillDown).toBe(ledger.down.size)
    }))

  it.effect("a device heard from while its loss waits for the batch leaves the storm with it", () =>
    Effect.gen(function*() {
      const inSouth = (e: DeviceEvent): DeviceEvent => ({ ...e, tenant: "south" })
      const routed = yield* Effect.forEach(Array.from({ length: 12 }, (_, n) => 2000 + n), (n) => route(inSouth(lost(n)), n), { concurrency: 12 })
      const stormId = routed.find((r) => r.incidentId.startsWith("storm-"))!.incidentId
      const storms = yield* SupervisionStorms
      // The loss is queued for the next batch, and the device's next event comes before that batch is written.
      yield* Effect.all([route(inSouth(lost(2100)), 2100), storms.signOfLife(inSouth(back(2100)))], { concurrency: "unbounded" })
      const ledger = yield* readStormLedger("south", stormId)
      expect(ledger.down.has("dev-2100")).toBe(false)
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("south", stormId)).state
      expect(state.storm?.stillDown).toBe(ledger.down.size)
    }))

  it.effect("returns heard inside a synchronous step wait for their batch with the caller's one callback, told once with every ticket when the batch is stored; nothing to wait for is done at once", () =>
    Effect.gen(function*() {
      const inFjord = (e: DeviceEvent): DeviceEvent => ({ ...e, tenant: "fjord" })
      const routed = yield* Effect.forEach(Array.from({ length: 10 }, (_, n) => 3000 + n), (n) => route(inFjord(lost(n)), n), { concurrency: 10 })
      const stormId = routed.find((r) => r.incidentId.startsWith("storm-"))!.incidentId
      const storms = yield* SupervisionStorms
      // A tenant never looked at must be looked at first.
      expect(storms.heardFromUnsafe("west", "dev-1", 1, () => {})).toBeUndefined()
      yield* storms.heardFrom("fjord", "dev-not-down")
      const told: Array<{ tenant: string; deviceIds: Array<string>; tickets: Array<number>; success: boolean }> = []
      let stored = () => {}
      const batchStored = new Promise<void>((resolve) => { stored = resolve })
      const tell: ReturnsStored = (returns, exit) => {
        told.push({ tenant: returns.tenant, deviceIds: [...returns.deviceIds], tickets: [...returns.tickets], success: Exit.isSuccess(exit) })
        stored()
      }
      expect(storms.heardFromUnsafe("fjord", "dev-3000", 70, tell)).toBe("waiting")
      expect(storms.heardFromUnsafe("fjord", "dev-3001", 71, tell)).toBe("waiting")
      // Already in the next batch; and a device that is not down.
      expect(storms.heardFromUnsafe("fjord", "dev-3000", 72, tell)).toBe("done")
      expect(storms.heardFromUnsafe("fjord", "dev-not-down", 73, tell)).toBe("done")
      expect(told).toEqual([])
      yield* Effect.promise(() => batchStored)
      expect(told).toEqual([{ tenant: "fjord", deviceIds: ["dev-3000", "dev-3001"], tickets: [70, 71], success: true }])
      const ledger = yield* readStormLedger("fjord", stormId)
      expect([...ledger.down].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `dev-${3002 + i}`))
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("fjord", stormId)).state
      expect(state.storm).toEqual({ devices: 10, stillDown: 8 })
    }))

  it.effect("while a look at a storm is under way, a return heard in a synchronous step uses what is known, however old, instead of sending each sign of life to a fiber of its own", () =>
    Effect.gen(function*() {
      // A copy whose clock can be moved on: a look that outlasts the 2 s a view is used for, as in a starved process.
      const real = yield* Clock.Clock
      let aheadMs = 0
      const nowMs = () => real.currentTimeMillisUnsafe() + aheadMs
      const movable: Clock.Clock = {
        currentTimeMillisUnsafe: nowMs,
        currentTimeMillis: Effect.sync(nowMs),
        currentTimeNanosUnsafe: () => BigInt(nowMs()) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => BigInt(nowMs()) * 1_000_000n),
        monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
        monotonicTimeNanos: real.monotonicTimeNanos,
        sleep: (duration) => real.sleep(duration)
      }
      const copy = yield* Effect.map(
        Layer.build(Layer.fresh(SupervisionStorms.layer.pipe(Layer.provide(Settings), Layer.provide(Layer.succeed(Clock.Clock, movable))))),
        Context.get(SupervisionStorms)
      )
      const inVik = (e: DeviceEvent): DeviceEvent => ({ ...e, tenant: "vik" })
      yield* Effect.forEach(Array.from({ length: 10 }, (_, n) => 4000 + n), (n) => route(inVik(lost(n)), n, copy), { concurrency: 10 })
      yield* copy.heardFrom("vik", "dev-not-down")
      expect(copy.heardFromUnsafe("vik", "dev-4000", 1, () => {})).toBe("waiting")
      // What is known is old now: the first caller must look, and its heardFrom starts the look.
      aheadMs = 3_000
      expect(copy.heardFromUnsafe("vik", "dev-4001", 2, () => {})).toBeUndefined()
      expect(copy.quietNow("vik")).toBe(false)
      const looking = yield* Effect.forkChild(copy.heardFrom("vik", "dev-4001"))
      yield* Effect.yieldNow
      // The look is under way and outlasts 2 s more: every other caller meanwhile uses what is known.
      aheadMs = 6_000
      expect(copy.heardFromUnsafe("vik", "dev-4002", 3, () => {})).toBe("waiting")
      expect(copy.heardFromUnsafe("vik", "dev-not-down", 4, () => {})).toBe("done")
      yield* Fiber.join(looking)
    }))

  it.effect("two copies writing one storm at once keep its counts equal to its events: no device counted twice or returned twice", () =>
    Effect.gen(function*() {
      // Like triage-bulk and supervision: each has its own list of devices down, read from the events.
      const copy = Effect.map(Layer.build(Layer.fresh(SupervisionStorms.layer.pipe(Layer.provide(Settings)))), Context.get(SupervisionStorms))
      const a = yield* copy
      const b = yield* copy
      const inNorth = (e: DeviceEvent): DeviceEvent => ({ ...e, tenant: "north" })
      const routed = yield* Effect.all([
        Effect.forEach(Array.from({ length: 300 }, (_, n) => n), (n) => route(inNorth(lost(1000 + n)), n, a), { concurrency: 16 }),
        // The same 100 losses seen by the other copy too, and 50 only it saw.
        Effect.forEach(Array.from({ length: 150 }, (_, n) => n + 200), (n) => route(inNorth(lost(1000 + n)), n, b), { concurrency: 16 })
      ], { concurrency: 2 })
      const stormId = routed.flat().find((r) => r.incidentId.startsWith("storm-"))!.incidentId
      // Devices 1000–1119 come back through one copy, 1060–1179 through the other: 60 through both.
      yield* Effect.all([
        Effect.forEach(Array.from({ length: 120 }, (_, n) => 1000 + n), (n) => a.signOfLife(inNorth(back(n))), { concurrency: 16 }),
        Effect.forEach(Array.from({ length: 120 }, (_, n) => 1060 + n), (n) => b.signOfLife(inNorth(back(n))), { concurrency: 16 })
      ], { concurrency: 2 })

      const store = yield* IncidentStore
      const state = Option.getOrThrow(yield* store.load("north", stormId)).state
      const ledger = yield* readStormLedger("north", stormId)
      const merged = routed.flat().filter((r) => !r.incidentId.startsWith("storm-")).length
      expect([...ledger.down].sort()).toEqual(Array.from({ length: 170 }, (_, i) => `dev-${1180 + i}`).sort())
      expect(state.storm).toEqual({ devices: 350, stillDown: 170 })
      // The few losses routed on their own before the storm formed were merged into it.
      expect(merged).toBeLessThan(10)
    }))
  it.effect("a copy meeting a storm it has not read reads the storm once, however many of its devices come back at once", () =>
    Effect.gen(function*() {
      const copy = Effect.map(Layer.build(Layer.fresh(SupervisionStorms.layer.pipe(Layer.provide(Settings)))), Context.get(SupervisionStorms))
      const writer = yield* copy
      const inEast = (e: DeviceEvent): DeviceEvent => ({ ...e, tenant: "east" })
      // Losses in small groups, so the storm is many storm_updated messages to read.
      for (let group = 0; group < 12; group++) {
        yield* Effect.forEach(Array.from({ length: 10 }, (_, n) => 2000 + group * 10 + n), (n) => route(inEast(lost(n)), n, writer), { concurrency: 10 })
      }
      const routed = yield* route(inEast(lost(2000)), 0, writer)
      const stormSubject = Subjects.incident("east", routed.incidentId)
      const stored = (yield* readSubjectAfter(Streams.incident, stormSubject, 0)).length
      expect(stored).toBeGreaterThan(5)

      // The reads of WT_INCIDENT's messages one by one, as nats-server is asked for them.
      const nc = clientOf(yield* Nats).nc
      let reads = 0
      const counting = nc.subscribe(`$JS.API.STREAM.MSG.GET.${Streams.incident}`, { callback: () => void reads++ })
      yield* Effect.promise(() => nc.flush())
      const reader = yield* copy
      yield* Effect.forEach(Array.from({ length: 60 }, (_, n) => 2000 + n), (n) => reader.signOfLife(inEast(back(n))), { concurrency: "unbounded" })
      yield* Effect.promise(() => nc.flush())
      counting.unsubscribe()

      // One look: each stored message once, and the read that finds none after the last. Sixty looks read it sixty times.
      expect(reads).toBeGreaterThan(stored)
      expect(reads).toBeLessThanOrEqual(stored + 2)
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("east", routed.incidentId)).state
      expect(state.storm).toEqual({ devices: 120, stillDown: 60 })
    }))
})
