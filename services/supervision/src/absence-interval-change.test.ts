import { expect, layer } from "@effect/vitest"
import { SqlClient } from "effect/sql"
import { Effect, Layer } from "effect"
import { supervisionLayer } from "./supervision-layer.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { awaitEnrolled, awaitIncidentEvent, fastSettings, heartbeat, RaiseSlackMs, supervisionTestBase } from "./supervision-testing.ts"

// The fleet is read again within half a second of a change in the registry.
const Env = supervisionLayer(SupervisionSettings.layerWith({ ...fastSettings(), fleetEveryMs: 500 })).pipe(
  Layer.provideMerge(supervisionTestBase({ residents: 6, fastDevices: [] }))
)

/**
 * The watch looks at a device when its deadline falls (LookAgenda), not at every tick. A deadline
 * a sign of life moves comes later; one the registry moves may come sooner, and must not wait for
 * the time the device was put on the agenda for.
 */
layer(Env, { excludeTestServices: true, timeout: 60_000 })("a device's interval shortened in the registry", (it) => {
  it.effect("is raised by its new deadline, not its old one an hour away", () =>
    Effect.gen(function*() {
      yield* awaitEnrolled("alarm-000004")
      const last = yield* heartbeat("alarm-000004")
      const lastSeen = Date.parse(last.receivedAt!)
      // Looked at with its hourly interval first: on the agenda for an hour from now.
      yield* Effect.sleep("1 second")
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE devices SET heartbeat_interval_s = 2 WHERE id = 'alarm-000004'`
      const newDeadlineMs = 2_000 + 1_000
      const { found, seenAtMs } = yield* awaitIncidentEvent(`silence.demo.alarm-000004.${lastSeen}`, newDeadlineMs + 500 + RaiseSlackMs + 3_000)
      expect(found).toHaveLength(1)
      expect(seenAtMs! - lastSeen).toBeLessThanOrEqual(1_000 + newDeadlineMs + 500 + RaiseSlackMs)
    }))
})
