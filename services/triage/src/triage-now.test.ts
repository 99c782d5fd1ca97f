import { expect, layer } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { type DeviceEvent, laneOfEvent } from "@wt/contracts"
import { deviceEvent, incidentEventsFor } from "@wt/incident-store/testing"
import { decisionSeries, triageDeviceEvent } from "./triage-event.ts"
import { makeTriageNow } from "./triage-now.ts"
import { deliveredMetaOf, seededTriageEnv } from "./triage-testing.ts"

const Env = seededTriageEnv(3)

const noIncidents = Metric.value(decisionSeries({ outcome: "no_incident", priority: "none" })).pipe(Effect.map((state) => state.count))

/** Whether triageNow took the event. */
const tryNow = (triageNow: Effect.Success<typeof makeTriageNow>, event: DeviceEvent) => ({ taken: triageNow(event) })

const heartbeat = (deviceId: string) => deviceEvent(deviceId, { type: "technical", payload: { event: "heartbeat" } })

layer(Env, { excludeTestServices: true, timeout: 60_000 })("triage of the bulk lanes without a fiber", (it) => {
  it.effect("takes nothing until the fleet snapshot and the storms have been looked at; then takes a known device's heartbeat, counted as no incident and nothing more", () =>
    Effect.gen(function*() {
      const triageNow = yield* makeTriageNow
      const first = heartbeat("alarm-000001")
      expect(laneOfEvent(first)).toBe("tech")
      // A fresh process: no snapshot loaded, no storm looked at. The handler takes it and looks.
      expect(tryNow(triageNow, first)).toEqual({ taken: false })
      yield* triageDeviceEvent(first, deliveredMetaOf(first))

      const before = yield* noIncidents
      const beat = heartbeat("alarm-000001")
      const answer = tryNow(triageNow, beat)
      expect(answer.taken).toBe(true)
      expect(yield* noIncidents).toBe(before + 1)
      // It decided nothing triage would have written: no incident holds the heartbeat.
      expect(yield* incidentEventsFor(beat.id)).toEqual([])
    }))

  it.effect("leaves to triageDeviceEvent a device not in the snapshot, an event a rule fires on, and a restore", () =>
    Effect.gen(function*() {
      const triageNow = yield* makeTriageNow
      const warm = heartbeat("alarm-000002")
      yield* triageDeviceEvent(warm, deliveredMetaOf(warm))
      expect(tryNow(triageNow, heartbeat("alarm-000002")).taken).toBe(true)

      const before = yield* noIncidents
      const left = [
        heartbeat("alarm-999999"),
        deviceEvent("alarm-000002", { type: "technical", payload: { event: "low_battery" } }),
        deviceEvent("alarm-000002", { type: "technical", payload: { event: "communication_restored" } })
      ]
      for (const event of left) {
        expect(laneOfEvent(event), JSON.stringify(event.payload)).toBe("tech")
        expect(tryNow(triageNow, event), JSON.stringify(event.payload)).toEqual({ taken: false })
      }
      expect(yield* noIncidents).toBe(before)
    }))
})
