import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SupervisionStore } from "./supervision-store.ts"
import {
  awaitEnrolled,
  awaitIncidentEvent,
  deviceEvent,
  fastSettings,
  heartbeat,
  incidentEventsFor,
  publishDeviceEvent,
  RaiseSlackMs,
  startSupervision,
  supervisionTestBase
} from "./supervision-testing.ts"

// res-0010: alarm-000010 reports every 2 s; sens-000024 is the bed sensor.
const Base = supervisionTestBase({ residents: 12, fastDevices: ["alarm-000010"] })
const settings = fastSettings()

layer(Base, { excludeTestServices: true, timeout: 60_000 })("two supervision copies at once", (it) => {
  it.effect("a silent device and an overdue check are each raised once, not once per copy", () =>
    Effect.gen(function*() {
      // Two copies: separate layers with their own consumers' share, mirrors and watches, one NATS.
      const one = yield* startSupervision(settings)
      yield* startSupervision(settings)
      yield* awaitEnrolled("alarm-000010").pipe(Effect.provideService(SupervisionStore, one))
      const last = yield* heartbeat("alarm-000010")
      const leftAt = new Date().toISOString()
      yield* publishDeviceEvent(deviceEvent("sens-000024", { type: "sensor", payload: { sensor: "bed", state: "left_bed" } }, leftAt))
      const silence = `silence.demo.alarm-000010.${Date.parse(last.receivedAt!)}`
      const leftBed = `left-bed.demo.sens-000024.${Date.parse(leftAt)}`
      expect((yield* awaitIncidentEvent(silence, 3_000 + RaiseSlackMs + 2_000)).found).toHaveLength(1)
      expect((yield* awaitIncidentEvent(leftBed, 2_000 + RaiseSlackMs + 2_000)).found).toHaveLength(1)
      // Both watches keep ticking; give them several periods to raise it a second time.
      yield* Effect.sleep("2 seconds")
      const silences = yield* incidentEventsFor(silence)
      expect(silences).toHaveLength(1)
      expect(silences[0]).toMatchObject({ decision: { ruleId: "absence.heartbeat-missing" }, state: { residentId: "res-0010" } })
      const exits = yield* incidentEventsFor(leftBed)
      expect(exits).toHaveLength(1)
      // The same resident: the second absence joined the incident the first one opened.
      expect(exits[0]!.incidentId).toBe(silences[0]!.incidentId)
    }))
})
