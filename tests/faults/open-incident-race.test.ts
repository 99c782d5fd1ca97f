import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { OpenIncidentIndex } from "@wt/incident-store"
import { provisionInstallation, startLocalCluster } from "@wt/launcher"
import { defaultNatsSettings, makeNats, Nats } from "@wt/nats"

const dataDir = mkdtempSync(join(tmpdir(), "wt-open-race-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const Residents = 150

/**
 * The open-incident pointer is the one thing that keeps two copies of triage from opening two
 * incidents for one resident. Its compare-and-set must hold on the R3 bucket of this machine's
 * nats-server (2.9.10), which does not hold the expected-sequence header against a write in flight
 * (tests/faults/expected-seq-race.ts): here two copies on two nodes reserve each resident's empty
 * slot at the same moment, first on a key never used, then on one whose incident was released.
 */
describe("the open-incident pointer on an R3 bucket of the three-node cluster", () => {
  it.live("of two copies reserving one resident's slot at once, exactly one gets it", () =>
    Effect.gen(function*() {
      const cluster = yield* startLocalCluster({ dataDir, testUser: true })
      const connect = (node: number, name: string) => makeNats({ url: cluster.nodes[node]!.clientUrl, name, ...cluster.access("test") })
      const a = yield* connect(0, "copy-a")
      const b = yield* connect(1, "copy-b")
      yield* provisionInstallation({ ...defaultNatsSettings, replicas: 3 }).pipe(Effect.provideService(Nats, a))
      const indexOn = (nats: typeof a) =>
        Effect.provide(Effect.gen(function*() { return yield* OpenIncidentIndex }), OpenIncidentIndex.layer.pipe(Layer.provide(Layer.succeed(Nats, nats))))
      const indexA = yield* indexOn(a)
      const indexB = yield* indexOn(b)

      const race = Effect.fn(function*(round: string) {
        const winners: Array<ReadonlyArray<boolean>> = []
        for (let i = 0; i < Residents; i++) {
          const resident = `res-race-${i}`
          winners.push(yield* Effect.all([
            indexA.reserve("demo", resident, `inc-a-${round}-${i}`),
            indexB.reserve("demo", resident, `inc-b-${round}-${i}`)
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

      yield* race("first")
      for (let i = 0; i < Residents; i++) {
        const pointer = Option.getOrThrow(yield* indexB.find("demo", `res-race-${i}`))
        yield* indexB.release("demo", `res-race-${i}`, pointer.revision)
      }
      yield* race("after-release")
    }).pipe(Effect.scoped), 300_000)
})
