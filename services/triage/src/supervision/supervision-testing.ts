import { Context, Effect, Layer, Redacted, Result, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { type DeviceEvent, DeviceEvent as DeviceEventSchema, deviceEventKey, IncidentRecord, laneOfEvent, Streams, Subjects } from "@wt/contracts"
import { TestDatabase } from "@wt/db/testing"
import { IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { decodeJson, publishEvent, readSubject } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Registry } from "@wt/registry"
import { DefaultPolicy, localMinuteOfDay } from "@wt/supervision"
import { DefaultParameters, DefaultRuleSet } from "@wt/triage-rules"
import { supervisionLayer } from "./supervision-layer.ts"
import { DefaultSupervisionSettings, SupervisionSettings, type SupervisionSettingsShape } from "./supervision-settings.ts"
import { deviceKey, SupervisionStore } from "./supervision-store.ts"

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
 * Every device reports hourly except `fastDevices`, every 2 s, so that only the
 * devices a test is about can fall silent while it runs.
 */
export const supervisionTestBase = (options: { readonly residents: number; readonly fastDevices: ReadonlyArray<string> }) => {
  const seeded = Layer.effectDiscard(
    Effect.gen(function*() {
      yield* (yield* Registry).seedDemo({ ingestKey: Redacted.make("test-ingest-key-0123456789"), password: Redacted.make("pw-not-used"), residents: options.residents })
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE devices SET heartbeat_interval_s = 3600`
      if (options.fastDevices.length > 0) yield* sql`UPDATE devices SET heartbeat_interval_s = 2 WHERE id IN ${sql.in(options.fastDevices)}`
    }).pipe(Effect.orDie)
  )
  return Layer.mergeAll(SupervisionStorms.layer, seeded).pipe(
    Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer)),
    Layer.provideMerge(Registry.layer),
    Layer.provideMerge(TestDatabase),
    Layer.provideMerge(NatsTestServer.layerNats)
  )
}

/** One triage copy's supervision, built into `scope` (by default the caller's): answers its store. */
export const startSupervision = (settings: SupervisionSettingsShape, scope?: Scope.Scope) =>
  Effect.gen(function*() {
    const context = yield* Layer.buildWithScope(supervisionLayer(SupervisionSettings.layerWith(settings)), scope ?? (yield* Effect.scope))
    return Context.get(context, SupervisionStore)
  })

let counter = 0
/** A device event as the gateway stores it, received now. */
export const deviceEvent = (
  deviceId: string,
  body: Pick<DeviceEvent, "type" | "payload">,
  occurredAt = new Date().toISOString()
): DeviceEvent =>
  ({
    id: `test-${deviceId}-${Date.now()}-${++counter}`,
    tenant: "demo",
    deviceId,
    occurredAt,
    receivedAt: new Date().toISOString(),
    source: { via: "sim" },
    ...body
  }) as DeviceEvent

export const publishDeviceEvent = (event: DeviceEvent) =>
  publishEvent(Subjects.device(event.tenant, laneOfEvent(event), event.type, event.deviceId), DeviceEventSchema, event, { msgId: deviceEventKey(event) })

/** Publishes a heartbeat; answers its event (its receivedAt is the sign of life). */
export const heartbeat = (deviceId: string) =>
  Effect.suspend(() => {
    const event = deviceEvent(deviceId, { type: "technical", payload: { event: "heartbeat" } })
    return publishDeviceEvent(event).pipe(Effect.as(event))
  })

/** Heartbeats every `everyMs` for as long as the layer lives. */
export const keepReporting = (deviceId: string, everyMs: number) =>
  Layer.effectDiscard(Effect.forkScoped(Effect.forever(heartbeat(deviceId).pipe(Effect.ignore, Effect.andThen(Effect.sleep(everyMs))))))

/** Every incident event that carries a device event whose id starts with `prefix`, across all incidents. */
export const incidentEventsFor = (prefix: string) =>
  readSubject(Streams.incident, Subjects.incidentAll).pipe(
    Effect.map((messages) =>
      messages.flatMap((m) => {
        const record = decodeJson(IncidentRecord, m.data)
        if (Result.isFailure(record)) return []
        const event = record.success.event
        return (event.type === "incident_opened" || event.type === "device_event_correlated") && event.deviceEvent.id.startsWith(prefix)
          ? [{ ...event, state: record.success.state }]
          : []
      })
    )
  )

/** Waits until supervision has enrolled the device (its first sighting, or its registration, is in KV). */
export const awaitEnrolled = (deviceId: string) =>
  Effect.gen(function*() {
    const store = yield* SupervisionStore
    yield* store.loaded
    while (store.sightings.get(deviceKey("demo", deviceId)) === undefined) yield* Effect.sleep("50 millis")
  })

/** Polls until an incident event for `prefix` exists, or `withinMs` passes; answers when it was first seen. */
export const awaitIncidentEvent = (prefix: string, withinMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + withinMs
    while (true) {
      const found = yield* incidentEventsFor(prefix)
      if (found.length > 0) return { found, seenAtMs: Date.now() }
      if (Date.now() > deadline) return { found, seenAtMs: undefined }
      yield* Effect.sleep("100 millis")
    }
  })
