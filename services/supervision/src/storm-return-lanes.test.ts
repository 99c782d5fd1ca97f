import { expect, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Scope } from "effect"
import { OpenIncidentIndex, readStormLedger, StormKey } from "@wt/incident-store"
import { eventually } from "@wt/nats/testing"
import type { Absence } from "@wt/supervision"
import { raiseAbsence } from "./absence-watch.ts"
import { SupervisionProgress } from "./lane-watermark.ts"
import { SignsJournal } from "./signs-journal.ts"
import { SignsOfLife } from "./signs-of-life.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"
import { deviceEvent, fastSettings, publishDeviceEvent, startSupervisionCopy, supervisionTestBase } from "./supervision-testing.ts"

// The test raises the absences itself, as the watch would; a copy of supervision started apart follows the lanes.
const Env = SignsOfLife.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(SupervisionStore.layer, SignsJournal.layer, SupervisionProgress.layer)),
  Layer.provideMerge(SupervisionSettings.layerWith(fastSettings())),
  Layer.provideMerge(supervisionTestBase({ residents: 14, fastDevices: [] }))
)

const alarm = (n: number) => `alarm-${String(n).padStart(6, "0")}`
const heartbeatSeq = (deviceId: string) =>
  publishDeviceEvent(deviceEvent(deviceId, { type: "technical", payload: { event: "heartbeat" } })).pipe(Effect.map((published) => published.seq))

layer(Env, { excludeTestServices: true, timeout: 60_000 })("a storm's returns on the followed lanes", (it) => {
  it.effect("devices of a storm heard from on the tech lane leave its list, and the lane's position passes their heartbeats once their batch is stored", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const silent = (deviceId: string): Absence => ({ _tag: "DeviceSilent", tenant: "demo", deviceId, lastSeenMs: now - 3_600_000, deadlineMs: now - 1_000 })
      // Ten devices silent at once (WT_STORM_THRESHOLD) make a storm. (Raised before the copy starts: its
      // enrolment of the fleet is a sighting of each device, after which none would be raised.)
      yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => alarm(i + 1)), (d) => raiseAbsence(silent(d)), { concurrency: 10 })
      const pointer = Option.getOrThrow(yield* (yield* OpenIncidentIndex).find("demo", StormKey))
      const scope = yield* Scope.make()
      const { progress } = yield* startSupervisionCopy(fastSettings(), scope)
      // A device that was never down: the copy looks at the storm, and the returns after it are told by their batch.
      const first = yield* heartbeatSeq(alarm(13))
      yield* eventually(Effect.sync(() => progress.tech.handledThroughSeq() ?? 0), (seq) => seq >= first, "the first heartbeat handled")
      const seqs = yield* Effect.forEach([1, 2, 3, 4, 4, 2], (n) => heartbeatSeq(alarm(n)))
      const last = Math.max(...seqs)
      yield* eventually(Effect.sync(() => progress.tech.handledThroughSeq() ?? 0), (seq) => seq >= last, "the returns' heartbeats handled", { timeoutMs: 20_000 })
      // The position passed them only once their returns were stored.
      const ledger = yield* readStormLedger("demo", pointer.incidentId)
      expect([...ledger.down].sort()).toEqual(Array.from({ length: 6 }, (_, i) => alarm(i + 5)))
      yield* Scope.close(scope, Exit.void)
    }))
})
