import { describe, expect, it } from "@effect/vitest"
import { type Context, Effect, Layer, Option } from "effect"
import { CareAlarmHistory, isVacant, OpenIncidentIndex } from "@wt/incident-store"
import { provisionInstallation } from "@wt/launcher"
import { defaultNatsSettings, Nats } from "@wt/nats"
import { testCluster } from "./test-cluster.ts"

const Residents = 150

/** Two connections to two nodes of a fresh three-node cluster, as two copies of triage have, its buckets at R3. */
const twoCopies = Effect.gen(function*() {
  const { connect } = yield* testCluster("open-race")
  const a = yield* connect(0, "copy-a")
  const b = yield* connect(1, "copy-b")
  yield* provisionInstallation({ ...defaultNatsSettings, replicas: 3 }).pipe(Effect.provideService(Nats, a))
  return [a, b] as const
})
const on = <I, S>(tag: Context.Key<I, S>, layer: Layer.Layer<I, unknown, Nats>, nats: Nats["Service"]) =>
  Effect.provide(Effect.service(tag), layer.pipe(Layer.provide(Layer.succeed(Nats, nats))))

/**
 * The open-incident pointer is the one thing that keeps two copies of triage from opening two
 * incidents for one resident. Its compare-and-set must hold on the R3 bucket of this machine's
 * nats-server (2.9.10), which does not hold the expected-sequence header against a write in flight
 * (tests/faults/expected-seq-race.ts): here two copies on two nodes reserve each resident's empty
 * slot at the same moment, first on a key never used, then on one whose incident was released.
 */
describe("compare-and-set on the R3 buckets of the three-node cluster", () => {
  it.live("of two copies reserving one resident's slot at once, exactly one gets it, also each at the vacancy it looked up", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoCopies
      const indexA = yield* on(OpenIncidentIndex, OpenIncidentIndex.layer, a)
      const indexB = yield* on(OpenIncidentIndex, OpenIncidentIndex.layer, b)

      // Each copy reserves as routing does: at the vacancy its own look saw (`looked`), or reading the slot itself.
      const reserveOn = (index: OpenIncidentIndex["Service"], resident: string, incidentId: string, looked: boolean) =>
        looked
          ? Effect.flatMap(index.lookup("demo", resident), (seen) => isVacant(seen) ? index.reserve("demo", resident, incidentId, seen) : Effect.succeed(false))
          : index.reserve("demo", resident, incidentId)
      const race = Effect.fn(function*(round: string, looked = false) {
        const winners: Array<ReadonlyArray<boolean>> = []
        for (let i = 0; i < Residents; i++) {
          const resident = `res-race-${i}`
          winners.push(yield* Effect.all([
            reserveOn(indexA, resident, `inc-a-${round}-${i}`, looked),
            reserveOn(indexB, resident, `inc-b-${round}-${i}`, looked)
          ], { concurrency: 2 }))
        }
        expect(winners.filter(([wonA, wonB]) => wonA && wonB).length, `round ${round}: both copies got the slot`).toBe(0)
        for (let i = 0; i < Residents; i++) {
          const resident = `res-race-${i}`
          const [wonA] = winners[i]!
          expect(winners[i]!.filter(Boolean), resident).toHaveLength(1)
          const pointer = Option.getOrThrow(yield* indexA.find("demo", resident))
          expect(pointer.incidentId, resident).toBe(wonA ? `inc-a-${round}-${i}` : `inc-b-${round}-${i}`)
          // A retry of the winner's own reservation is still the winner's; another's is not.
          expect(yield* (wonA ? indexA : indexB).reserve("demo", resident, pointer.incidentId)).toBe(true)
          expect(yield* (wonA ? indexB : indexA).reserve("demo", resident, `inc-late-${round}-${i}`)).toBe(false)
        }
      })

      const releaseAll = Effect.fn(function*() {
        for (let i = 0; i < Residents; i++) {
          const pointer = Option.getOrThrow(yield* indexB.find("demo", `res-race-${i}`))
          yield* indexB.release("demo", `res-race-${i}`, pointer.revision)
        }
      })
      yield* race("first")
      yield* releaseAll()
      yield* race("after-release")
      yield* releaseAll()
      yield* race("at-the-vacancy-each-saw", true)
    }).pipe(Effect.scoped), 300_000)

  it.live("two copies recording two care alarms of one resident at once both keep both", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoCopies
      const historyA = yield* on(CareAlarmHistory, CareAlarmHistory.layer, a)
      const historyB = yield* on(CareAlarmHistory, CareAlarmHistory.layer, b)
      const at = new Date().toISOString()
      for (let i = 0; i < Residents; i++) {
        const resident = `res-alarms-${i}`
        // An earlier alarm, so that the two below update the key rather than create it.
        yield* historyA.record("demo", resident, { eventId: `earlier-${i}`, at }, 3_600_000)
        yield* Effect.all([
          historyA.record("demo", resident, { eventId: `a-${i}`, at }, 3_600_000),
          historyB.record("demo", resident, { eventId: `b-${i}`, at }, 3_600_000)
        ], { concurrency: 2 })
        // A third alarm reads what the two left: an alarm overwritten by the other copy would be missing.
        const after = yield* historyA.record("demo", resident, { eventId: `c-${i}`, at }, 3_600_000)
        expect(after.map((alarm) => alarm.eventId).sort(), resident).toEqual([`a-${i}`, `b-${i}`, `c-${i}`, `earlier-${i}`])
      }
    }).pipe(Effect.scoped), 300_000)
})
