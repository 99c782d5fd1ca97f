import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { supervisionLayer } from "./supervision-layer.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { awaitEnrolled, awaitIncidentEvent, fastSettings, heartbeat, incidentEventsFor, keepReporting, RaiseSlackMs, supervisionTestBase } from "./supervision-testing.ts"

// Every 2 s: alarm-000002 reports once, then falls silent; sens-000003 (a smoke detector) never reports; alarm-000011 keeps reporting.
const Env = Layer.mergeAll(supervisionLayer(SupervisionSettings.layerWith(fastSettings())), keepReporting("alarm-000011", 700)).pipe(
  Layer.provideMerge(supervisionTestBase({ residents: 12, fastDevices: ["alarm-000002", "sens-000003", "alarm-000011"] }))
)
const intervalPlusGraceMs = 2_000 + 1_000

layer(Env, { excludeTestServices: true, timeout: 60_000 })("heartbeat supervision against NATS and PostgreSQL", (it) => {
  it.effect("a safety alarm that goes silent is a P2 incident within interval + grace", () =>
    Effect.gen(function*() {
      yield* awaitEnrolled("alarm-000002")
      const last = yield* heartbeat("alarm-000002")
      const lastSeen = Date.parse(last.receivedAt!)
      const { found, seenAtMs } = yield* awaitIncidentEvent(`silence.demo.alarm-000002.${lastSeen}`, intervalPlusGraceMs + RaiseSlackMs + 2_000)
      expect(seenAtMs).toBeDefined()
      expect(seenAtMs! - lastSeen).toBeGreaterThan(intervalPlusGraceMs)
      expect(seenAtMs! - lastSeen).toBeLessThanOrEqual(intervalPlusGraceMs + RaiseSlackMs)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({
        decision: { ruleId: "absence.heartbeat-missing", priority: "P2" },
        deviceEvent: { deviceId: "alarm-000002", type: "technical", payload: { event: "communication_failure" }, source: { via: "engine" } },
        state: { residentId: "res-0002" }
      })
    }))

  it.effect("a device that never reported is silent from when supervision began, and is raised once", () =>
    Effect.gen(function*() {
      const { found } = yield* awaitIncidentEvent("silence.demo.sens-000003.", 10_000)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({ decision: { ruleId: "absence.heartbeat-missing", priority: "P4" }, state: { residentId: "res-0003" } })
      // Several watch periods later it has still been raised only once.
      yield* Effect.sleep("1500 millis")
      expect(yield* incidentEventsFor("silence.demo.sens-000003.")).toHaveLength(1)
    }))

  it.effect("a device that keeps reporting is never raised", () =>
    Effect.gen(function*() {
      // By now the file has run for longer than interval + grace several times over.
      yield* Effect.sleep("1 second")
      expect(yield* incidentEventsFor("silence.demo.alarm-000011.")).toHaveLength(0)
    }))
})
