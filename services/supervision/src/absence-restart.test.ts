import { expect, layer } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
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

// Every 2 s: alarm-000009 falls silent while supervision is down; alarm-000011 keeps reporting throughout;
// sens-000012 never reports, so it is raised before the restart and must not be raised again after it;
// res-0007 leaves bed (sens-000017) just before the stop and is due back while supervision is down.
const Base = supervisionTestBase({ residents: 12, fastDevices: ["alarm-000009", "alarm-000011", "sens-000012"] })
const settings = fastSettings()

/** Supervision as one process: started in its own scope, stopped by closing it. */
const startCopy = Effect.gen(function*() {
  const scope = yield* Scope.make()
  return { scope, store: yield* startSupervision(settings, scope) }
})

layer(Base, { excludeTestServices: true, timeout: 90_000 })("supervision across a restart", (it) => {
  it.effect("what fell due while supervision was down is raised on time after the restart, and nothing is raised twice", () =>
    Effect.gen(function*() {
      yield* Effect.forkScoped(Effect.forever(heartbeat("alarm-000011").pipe(Effect.andThen(Effect.sleep("600 millis")))))
      const first = yield* startCopy
      yield* awaitEnrolled("alarm-000009").pipe(Effect.provideService(SupervisionStore, first.store))
      yield* heartbeat("alarm-000009")
      const before = yield* awaitIncidentEvent("silence.demo.sens-000012.", 10_000)
      expect(before.found).toHaveLength(1)

      const last = yield* heartbeat("alarm-000009")
      const lastSeen = Date.parse(last.receivedAt!)
      const leftAt = new Date().toISOString()
      yield* publishDeviceEvent(deviceEvent("sens-000017", { type: "sensor", payload: { sensor: "bed", state: "left_bed" } }, leftAt))
      // The stop comes once the exit is recorded as a pending check: its timer is in KV, not in the process.
      while (first.store.checks.get("demo.left_bed.sens-000017") === undefined) yield* Effect.sleep("50 millis")
      yield* Scope.close(first.scope, Exit.void)
      // Down for longer than alarm-000009's interval + grace, while alarm-000011's heartbeats pile up unread.
      yield* Effect.sleep("4500 millis")

      const restartedAt = Date.now()
      const second = yield* startCopy
      const after = yield* awaitIncidentEvent(`silence.demo.alarm-000009.${lastSeen}`, RaiseSlackMs + 3_000)
      expect(after.seenAtMs).toBeDefined()
      // Overdue during the downtime: raised within a watch period and the settle margin of coming back.
      expect(after.seenAtMs! - restartedAt).toBeLessThanOrEqual(RaiseSlackMs)
      const exit = yield* awaitIncidentEvent(`left-bed.demo.sens-000017.${Date.parse(leftAt)}`, RaiseSlackMs + 3_000)
      expect(exit.seenAtMs! - restartedAt).toBeLessThanOrEqual(RaiseSlackMs)

      yield* Effect.sleep("2 seconds")
      yield* Scope.close(second.scope, Exit.void)
      expect(yield* incidentEventsFor("silence.demo.sens-000012.")).toHaveLength(1)
      expect(yield* incidentEventsFor(`silence.demo.alarm-000009.${lastSeen}`)).toHaveLength(1)
      expect(yield* incidentEventsFor("left-bed.demo.sens-000017.")).toHaveLength(1)
      // Its backlog of heartbeats was read before anything was judged: never silent.
      expect(yield* incidentEventsFor("silence.demo.alarm-000011.")).toHaveLength(0)
    }))
})
