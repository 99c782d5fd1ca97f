import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { supervisionLayer } from "./supervision-layer.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"
import { awaitIncidentEvent, deviceEvent, fastSettings, publishDeviceEvent, RaiseSlackMs, supervisionTestBase } from "./supervision-testing.ts"

// Night is the hour either side of now; back in bed, door closed and dose taken are each expected within 2 s.
const Env = supervisionLayer(SupervisionSettings.layerWith(fastSettings())).pipe(
  Layer.provideMerge(supervisionTestBase({ residents: 12, fastDevices: [] }))
)
const WithinMs = 2_000

const bed = (deviceId: string, state: "left_bed" | "returned_to_bed", occurredAt?: string) =>
  publishDeviceEvent(deviceEvent(deviceId, { type: "sensor", payload: { sensor: "bed", state } }, occurredAt))
const door = (deviceId: string, state: "opened" | "closed", occurredAt?: string) =>
  publishDeviceEvent(deviceEvent(deviceId, { type: "sensor", payload: { sensor: "door", state } }, occurredAt))
const dose = (deviceId: string, payload: { event: "dose_due" | "dose_taken"; doseId: string; scheduledAt?: string; critical?: boolean }) =>
  publishDeviceEvent(deviceEvent(deviceId, { type: "medication", payload }))
const later = (ms: number) => new Date(Date.now() + ms).toISOString()

/** The check was started and then settled: proof that the events were seen, not merely that nothing happened. */
const expectSettled = (key: string) =>
  Effect.gen(function*() {
    const check = (yield* SupervisionStore).checks.get(key)
    expect(check).toBeDefined()
    expect(check!.startsMs).toEqual([])
    expect(check!.lastClearedAtMs).not.toBeNull()
    expect(check!.raisedForMs).toBeNull()
  })

layer(Env, { excludeTestServices: true, timeout: 60_000 })("pending checks against NATS and PostgreSQL", (it) => {
  it.effect("left bed at night and not back in time is a P2 incident", () =>
    Effect.gen(function*() {
      const leftAt = new Date().toISOString()
      yield* bed("sens-000004", "left_bed", leftAt)
      const { found, seenAtMs } = yield* awaitIncidentEvent(`left-bed.demo.sens-000004.${Date.parse(leftAt)}`, WithinMs + RaiseSlackMs + 2_000)
      expect(seenAtMs! - Date.parse(leftAt)).toBeLessThanOrEqual(WithinMs + RaiseSlackMs)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({
        type: "incident_opened",
        decision: { ruleId: "absence.left-bed", priority: "P2" },
        deviceEvent: { type: "sensor", payload: { sensor: "bed", state: "left_bed" }, source: { via: "engine" } },
        state: { residentId: "res-0004" }
      })
    }))

  it.effect("left bed and back in time raises nothing", () =>
    Effect.gen(function*() {
      yield* bed("sens-000008", "left_bed")
      yield* bed("sens-000008", "returned_to_bed", later(500))
      const { found } = yield* awaitIncidentEvent("left-bed.demo.sens-000008.", WithinMs + RaiseSlackMs + 1_000)
      expect(found).toHaveLength(0)
      yield* expectSettled("demo.left_bed.sens-000008")
    }))

  it.effect("a door opened at night and not closed is a P2 incident", () =>
    Effect.gen(function*() {
      const openedAt = new Date().toISOString()
      yield* door("sens-000018", "opened", openedAt)
      const { found, seenAtMs } = yield* awaitIncidentEvent(`door-open.demo.sens-000018.${Date.parse(openedAt)}`, WithinMs + RaiseSlackMs + 2_000)
      expect(seenAtMs! - Date.parse(openedAt)).toBeLessThanOrEqual(WithinMs + RaiseSlackMs)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({
        decision: { ruleId: "door.night-open-not-closed", priority: "P2" },
        deviceEvent: { type: "sensor", payload: { sensor: "door", state: "opened" } },
        state: { residentId: "res-0007" }
      })
    }))

  it.effect("a door opened at night and closed in time raises nothing", () =>
    Effect.gen(function*() {
      yield* door("sens-000031", "opened")
      yield* door("sens-000031", "closed", later(300))
      const { found } = yield* awaitIncidentEvent("door-open.demo.sens-000031.", WithinMs + RaiseSlackMs + 1_000)
      expect(found).toHaveLength(0)
      yield* expectSettled("demo.night_door.sens-000031")
    }))

  it.effect("a critical dose due and not taken within its window is a P2 incident", () =>
    Effect.gen(function*() {
      const scheduledAt = new Date().toISOString()
      yield* dose("med-000003", { event: "dose_due", doseId: "d-0800", scheduledAt, critical: true })
      const { found, seenAtMs } = yield* awaitIncidentEvent("dose-missed.demo.med-000003.", WithinMs + RaiseSlackMs + 2_000)
      expect(seenAtMs! - Date.parse(scheduledAt)).toBeLessThanOrEqual(WithinMs + RaiseSlackMs)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({
        decision: { ruleId: "medication.dose-not-taken", priority: "P2" },
        deviceEvent: { type: "medication", payload: { event: "dose_missed", doseId: "d-0800", scheduledAt, critical: true } },
        state: { residentId: "res-0008" }
      })
    }))

  it.effect("a dose taken within its window raises nothing", () =>
    Effect.gen(function*() {
      yield* dose("med-000001", { event: "dose_due", doseId: "d-1200", scheduledAt: new Date().toISOString() })
      yield* dose("med-000001", { event: "dose_taken", doseId: "d-1200" })
      const { found } = yield* awaitIncidentEvent("dose-missed.demo.med-000001.", WithinMs + RaiseSlackMs + 1_000)
      expect(found).toHaveLength(0)
      yield* expectSettled("demo.dose.med-000001.id-d-1200")
    }))
})
