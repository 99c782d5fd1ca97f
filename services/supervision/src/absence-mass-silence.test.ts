import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option, Schedule } from "effect"
import { OpenIncidentIndex, readStormLedger, StormKey } from "@wt/incident-store"
import { supervisionLayer } from "./supervision-layer.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"
import { awaitIncidentEvent, deviceEvent, fastSettings, publishDeviceEvent, RaiseSlackMs, supervisionTestBase } from "./supervision-testing.ts"

// Every device of 300 residents is expected every 2 s and none reports: the whole fleet falls
// silent 3 s after supervision begins, as in a mobile-network outage.
const Env = supervisionLayer(SupervisionSettings.layerWith(fastSettings())).pipe(
  Layer.provideMerge(supervisionTestBase({ residents: 300, fastDevices: "all" }))
)
// Back in bed is expected within 2 s (fastSettings).
const WithinMs = 2_000

layer(Env, { excludeTestServices: true, timeout: 120_000 })("a whole fleet falls silent at once", (it) => {
  it.effect("a resident who leaves bed while the fleet's silences are being raised is raised on time, and every silent device joins the storm", () =>
    Effect.gen(function*() {
      const index = yield* OpenIncidentIndex
      const pointer = yield* index.find("demo", StormKey).pipe(
        Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: Option.isSome }),
        Effect.map(Option.getOrThrow)
      )
      // The storm has begun: its silences are being raised now. (At 16 at a time, one look raised
      // the fleet's 1,300 silences for about 20 s, and the resident's check waited behind them.)
      const leftAt = new Date().toISOString()
      yield* publishDeviceEvent(deviceEvent("sens-000004", { type: "sensor", payload: { sensor: "bed", state: "left_bed" } }, leftAt))
      const { found, seenAtMs } = yield* awaitIncidentEvent(`left-bed.demo.sens-000004.${Date.parse(leftAt)}`, WithinMs + RaiseSlackMs + 30_000)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({ type: "incident_opened", decision: { ruleId: "absence.left-bed" }, state: { residentId: "res-0004" } })
      expect(seenAtMs! - Date.parse(leftAt)).toBeLessThanOrEqual(WithinMs + RaiseSlackMs)

      // A look stopped at its time leaves the rest on the agenda: every device but the bed sensor, heard from, ends on the storm.
      const enrolled = [...(yield* SupervisionStore).sightings.entries()].length
      expect(enrolled).toBeGreaterThan(1_000)
      const down = yield* readStormLedger("demo", pointer.incidentId).pipe(
        Effect.map((ledger) => ledger.down),
        Effect.repeat({ schedule: Schedule.spaced("200 millis"), until: (d) => d.size >= enrolled - 1 }),
        Effect.timeout("60 seconds")
      )
      expect(down.size).toBe(enrolled - 1)
      expect(down.has("sens-000004")).toBe(false)
    }))
})
