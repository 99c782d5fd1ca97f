import { Context, Effect, Layer, Redacted, Schedule, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { TestDatabase } from "@wt/db/testing"
import { IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { deviceEvent, publishDeviceEvent } from "@wt/incident-store/testing"
import { NatsTestServer } from "@wt/nats/testing"
import { Registry } from "@wt/registry"
import { DemoSeeder } from "@wt/registry/demo"
import { DefaultPolicy, localMinuteOfDay } from "@wt/supervision"
import { DefaultParameters, DefaultRuleSet } from "@wt/triage-rules"
import { SupervisionProgress } from "./lane-watermark.ts"
import { supervisionLayer } from "./supervision-layer.ts"
import { DefaultSupervisionSettings, SupervisionSettings, type SupervisionSettingsShape } from "./supervision-settings.ts"
import { deviceKey, SupervisionStore } from "./supervision-store.ts"

export { awaitIncidentEvent, deviceEvent, incidentEventsFor, publishDeviceEvent } from "@wt/incident-store/testing"

/** Test support for supervision against real NATS and PostgreSQL: fast timings, a seeded registry. */

const clock = (minute: number) => {
  const m = ((minute % 1440) + 1440) % 1440
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`
}

/** Night from an hour ago to an hour from now in Oslo, whenever the test runs. */
export const nightAroundNow = () => {
  const minute = localMinuteOfDay(Date.now(), "Europe/Oslo")
  return { from: clock(minute - 60), to: clock(minute + 60) }
}

/** Seconds-long expectations: 2 s back in bed, 2 s to close a door, 2 s to take a dose. */
export const fastSettings = (): SupervisionSettingsShape => ({
  ...DefaultSupervisionSettings,
  policy: {
    ...DefaultPolicy,
    heartbeat: { defaultIntervalS: 60, grace: { seconds: 1 } },
    nightDoor: { closeWithinS: 2 },
    dose: { ...DefaultPolicy.dose, windowS: 2 }
  },
  ruleBook: {
    defaults: [{ ...DefaultRuleSet, parameters: { ...DefaultParameters, nightHours: nightAroundNow(), leftBedMinutes: 2 / 60 } }],
    tenants: {}
  },
  watchEveryMs: 250,
  flushEveryMs: 200,
  fleetEveryMs: 60_000,
  concurrency: { alarm: 2, tech: 2, telemetry: 2 }
})

/** A watch period, a flush, the settle margin and routing: how late past its deadline an absence may be raised. */
export const RaiseSlackMs = 2_500

/**
 * NATS, a seeded registry of `residents` demo residents, and the incident store.
 * Every device reports hourly except `fastDevices` (or "all"), every 2 s, so that only the
 * devices a test is about can fall silent while it runs.
 */
export const supervisionTestBase = (options: { readonly residents: number; readonly fastDevices: ReadonlyArray<string> | "all" }) => {
  const seeded = Layer.effectDiscard(
    Effect.gen(function*() {
      yield* (yield* DemoSeeder).seed({ ingestKey: Redacted.make("test-ingest-key-0123456789"), password: Redacted.make("pw-not-used"), residents: options.residents })
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE devices SET heartbeat_interval_s = ${options.fastDevices === "all" ? 2 : 3600}`
      if (options.fastDevices !== "all" && options.fastDevices.length > 0) yield* sql`UPDATE devices SET heartbeat_interval_s = 2 WHERE id IN ${sql.in(options.fastDevices)}`
    }).pipe(Effect.orDie)
  ).pipe(Layer.provide(DemoSeeder.layer))
  return Layer.mergeAll(SupervisionStorms.layer, seeded).pipe(
    Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer)),
    Layer.provideMerge(Registry.layer),
    Layer.provideMerge(TestDatabase),
    Layer.provideMerge(NatsTestServer.layerNats)
  )
}

/**
 * One copy's supervision, built into `scope` (by default the caller's): answers its store.
 * Untraced: the fibers the layer forks would otherwise have this call's span as parent for their whole life.
 */
export const startSupervision = Effect.fnUntraced(function*(settings: SupervisionSettingsShape, scope?: Scope.Scope) {
  return (yield* startSupervisionCopy(settings, scope)).store
})

/** A running copy's store and how far it has handled each lane. */
export const startSupervisionCopy = Effect.fnUntraced(function*(settings: SupervisionSettingsShape, scope?: Scope.Scope) {
  const context = yield* Layer.buildWithScope(supervisionLayer(SupervisionSettings.layerWith(settings)), scope ?? (yield* Effect.scope))
  return { store: Context.get(context, SupervisionStore), progress: Context.get(context, SupervisionProgress) }
})

/** Publishes a heartbeat; answers its event (its receivedAt is the sign of life). */
export const heartbeat = (deviceId: string) =>
  Effect.suspend(() => {
    const event = deviceEvent(deviceId, { type: "technical", payload: { event: "heartbeat" } })
    return publishDeviceEvent(event).pipe(Effect.as(event))
  })

/** Heartbeats every `everyMs` for as long as the layer lives. */
export const keepReporting = (deviceId: string, everyMs: number) =>
  Layer.effectDiscard(Effect.forkScoped(Effect.forever(heartbeat(deviceId).pipe(Effect.ignore, Effect.andThen(Effect.sleep(everyMs))))))

/** Waits until supervision has enrolled the device (its first sighting, or its registration, is in KV). */
export const awaitEnrolled = Effect.fn("test.awaitEnrolled")(function*(deviceId: string) {
  const store = yield* SupervisionStore
  yield* store.loaded
  // Every 50 ms, for as long as it takes (the test's own timeout is the limit).
  yield* Effect.sync(() => store.sightings.get(deviceKey("demo", deviceId))).pipe(
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (sighting) => sighting !== undefined })
  )
})
