import { expect, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Option } from "effect"
import { IncidentStore, OpenIncidentIndex, readStormLedger, StormKey } from "@wt/incident-store"
import type { Absence } from "@wt/supervision"
import { raiseAbsence } from "./absence-watch.ts"
import { SupervisionProgress } from "./lane-watermark.ts"
import { SignsJournal } from "./signs-journal.ts"
import { SignsOfLife } from "./signs-of-life.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"
import { fastSettings, supervisionTestBase } from "./supervision-testing.ts"

// No watch and no lanes: the test raises absences itself, as the watch would after judging them.
const Env = SignsOfLife.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(SupervisionStore.layer, SignsJournal.layer, SupervisionProgress.layer)),
  Layer.provideMerge(SupervisionSettings.layerWith(fastSettings())),
  Layer.provideMerge(supervisionTestBase({ residents: 12, fastDevices: [] }))
)

const alarm = (n: number) => `alarm-${String(n).padStart(6, "0")}`

layer(Env, { excludeTestServices: true, timeout: 60_000 })("silent devices in a storm", (it) => {
  it.effect("a device heard from after the instant it was judged silent at is not left on the storm: not raised, or restored once its loss is stored", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const silent = (deviceId: string): Absence => ({ _tag: "DeviceSilent", tenant: "demo", deviceId, lastSeenMs: now - 3_600_000, deadlineMs: now - 1_000 })
      const signs = yield* SignsOfLife
      // Ten devices silent at once (WT_STORM_THRESHOLD) make a storm.
      yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => alarm(i + 1)), (d) => raiseAbsence(silent(d)), { concurrency: 10 })
      const pointer = Option.getOrThrow(yield* (yield* OpenIncidentIndex).find("demo", StormKey))

      // The eleventh was judged silent up to a watermark; its heartbeat has come since, and is in this copy's buffer.
      yield* signs.sighted("demo", alarm(11), now, 3600)
      yield* raiseAbsence(silent(alarm(11)))
      // The twelfth is heard from while its loss is on its way into the storm (the batch is written every 250 ms).
      const raising = yield* Effect.forkChild(raiseAbsence(silent(alarm(12))))
      yield* Effect.sleep("60 millis")
      yield* signs.sighted("demo", alarm(12), Date.now(), 3600)
      yield* Fiber.join(raising)

      const ledger = yield* readStormLedger("demo", pointer.incidentId)
      expect(ledger.down.has(alarm(10))).toBe(true)
      expect(ledger.down.has(alarm(11))).toBe(false)
      expect(ledger.down.has(alarm(12))).toBe(false)
      const state = Option.getOrThrow(yield* (yield* IncidentStore).load("demo", pointer.incidentId)).state
      expect(state.storm?.stillDown).toBe(ledger.down.size)
      // The eleventh never joined it.
      expect(state.storm?.devices).toBeLessThanOrEqual(11)
    }))
})
