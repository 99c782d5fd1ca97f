import { Config, Context, Deferred, Duration, Effect, Layer, Option, Schedule } from "effect"
import { ActiveStatuses, type DeviceEvent, type TriageDecision } from "@wt/contracts"
import { IncidentStore } from "./incident-store.ts"
import { OpenIncidentIndex } from "./open-incident-index.ts"
import type { Routed } from "./route-device-event.ts"

/** The pointer key (in the open-incident index) and pseudo-resident of a tenant's storm incident. */
export const StormKey = "storm"

export const StormSettings = Config.all({
  /** Distinct devices losing supervision within the window that make a storm. */
  threshold: Config.Int("WT_STORM_THRESHOLD").pipe(Config.withDefault(10)),
  windowMs: Config.Duration("WT_STORM_WINDOW").pipe(Config.map(Duration.toMillis), Config.withDefault(60_000)),
  /** How long losses and returns are gathered before one storm_updated event is written. */
  flushMs: Config.Int("WT_STORM_FLUSH_MS").pipe(Config.withDefault(250))
})

interface ActiveStorm {
  readonly incidentId: string
  readonly down: Set<string>
}

/** What was last found for a tenant: its storm, or null when none is under way. */
interface Checked {
  readonly storm: ActiveStorm | null
  readonly checkedAt: number
}

interface Pending {
  readonly lost: Set<string>
  readonly restored: Set<string>
  readonly waiters: Array<Deferred.Deferred<void, unknown>>
}

/**
 * Drops the losses seen before `cutoff`. Entries go in as they are seen (a later note on one keeps
 * its place), so the oldest are first and the walk stops at the first one still in the window.
 * It used to look at every entry, on every loss: when a whole fleet fell silent, raising 100,000
 * absences walked a window of thousands each time.
 */
export const evictBefore = (window: Map<string, { readonly at: number }>, cutoff: number): void => {
  for (const [device, entry] of window) {
    if (entry.at >= cutoff) return
    window.delete(device)
  }
}

/**
 * Groups a mass loss of supervision (a mobile-network outage: thousands of devices
 * silent at once) into one storm incident per tenant with a count and the list of
 * devices still down, instead of thousands of incidents burying the one real
 * emergency. Only supervision losses join a storm; care alarms stand alone.
 * Losses and returns are written in batches (one event per flush), and a handler
 * waits for its batch to be stored before its message is acknowledged.
 */
export class SupervisionStorms extends Context.Service<SupervisionStorms, {
  /** Some: the loss went into the tenant's storm (which it may have started). None: route it as usual. */
  readonly routeLoss: (event: DeviceEvent, stormDecision: TriageDecision) => Effect.Effect<Option.Option<Routed>, unknown>
  /** The individual incident a loss went to, merged into the storm if one forms within the window. */
  readonly noteIndividual: (tenant: string, deviceId: string, incidentId: string) => Effect.Effect<void>
  /** Any event from a device is a sign of life: it leaves the storm's list of devices down. */
  readonly signOfLife: (event: DeviceEvent) => Effect.Effect<void, unknown>
}>()("wt/SupervisionStorms") {
  static readonly layer = Layer.effect(
    SupervisionStorms,
    Effect.gen(function*() {
      const settings = yield* StormSettings
      const store = yield* IncidentStore
      const index = yield* OpenIncidentIndex
      const windows = new Map<string, Map<string, { at: number; incidentId?: string }>>()
      const storms = new Map<string, Checked>()
      const remember = (tenant: string, storm: ActiveStorm | null) => storms.set(tenant, { storm, checkedAt: Date.now() })
      const pending = new Map<string, Pending>()

      const windowOf = (tenant: string) => {
        let w = windows.get(tenant)
        if (w === undefined) windows.set(tenant, (w = new Map()))
        evictBefore(w, Date.now() - settings.windowMs)
        return w
      }

      // Cached per tenant and refreshed every 2 s, so a storm another copy started is seen.
      const activeStorm = Effect.fnUntraced(function*(tenant: string, fresh = false) {
        const cached = storms.get(tenant)
        if (!fresh && cached !== undefined && Date.now() - cached.checkedAt < 2000) return cached.storm
        const pointer = yield* index.find(tenant, StormKey)
        let found: ActiveStorm | null = null
        if (Option.isSome(pointer)) {
          const stored = yield* store.load(tenant, pointer.value.incidentId)
          if (Option.isSome(stored) && ActiveStatuses.includes(stored.value.state.status)) {
            found = { incidentId: pointer.value.incidentId, down: new Set(stored.value.state.storm?.down ?? []) }
          } else if (Option.isSome(stored) || Date.now() - pointer.value.createdAt.getTime() > 30_000) {
            yield* index.release(tenant, StormKey, pointer.value.revision)
          }
        }
        remember(tenant, found)
        return found
      })

      const enqueue = (tenant: string, change: { lost?: string; restored?: string }) =>
        Effect.gen(function*() {
          let p = pending.get(tenant)
          if (p === undefined) pending.set(tenant, (p = { lost: new Set(), restored: new Set(), waiters: [] }))
          if (change.lost !== undefined) p.lost.add(change.lost)
          if (change.restored !== undefined) p.restored.add(change.restored)
          const done = yield* Deferred.make<void, unknown>()
          p.waiters.push(done)
          return yield* Deferred.await(done)
        })

      const flushTenant = (tenant: string, batch: Pending) =>
        Effect.gen(function*() {
          const storm = yield* activeStorm(tenant)
          if (storm === null) return
          const result = yield* store.execute(tenant, storm.incidentId, {
            type: "update_storm",
            at: new Date().toISOString(),
            lost: [...batch.lost],
            restored: [...batch.restored]
          })
          remember(tenant, { incidentId: storm.incidentId, down: new Set(result.state?.storm?.down ?? []) })
        }).pipe(
          Effect.exit,
          Effect.flatMap((exit) =>
            Effect.forEach(batch.waiters, (w) => (exit._tag === "Success" ? Deferred.succeed(w, undefined) : Deferred.failCause(w, exit.cause)), {
              discard: true
            })
          )
        )

      const flushAll = Effect.suspend(() => {
        const batches = [...pending.entries()]
        pending.clear()
        return Effect.forEach(batches, ([tenant, batch]) => flushTenant(tenant, batch), { discard: true, concurrency: 4 })
      })
      yield* Effect.forkScoped(Effect.repeat(flushAll, Schedule.spaced(`${settings.flushMs} millis`)))

      const mergeIndividuals = Effect.fnUntraced(function*(tenant: string, stormId: string, entries: ReadonlyArray<string>) {
        for (const incidentId of entries) {
          const stored = yield* store.load(tenant, incidentId)
          // Only incidents nobody has taken, and only technical ones: a person decides the rest.
          if (Option.isNone(stored) || stored.value.state.status !== "open" || stored.value.state.category !== "technical") continue
          yield* store.execute(tenant, incidentId, { type: "merge", at: new Date().toISOString(), by: { kind: "system", id: "triage", name: "storm grouping" }, into: stormId }).pipe(
            Effect.ignore
          )
        }
      })

      const routeLoss = Effect.fn("SupervisionStorms.routeLoss")(function*(event: DeviceEvent, stormDecision: TriageDecision) {
        const tenant = event.tenant
        const window = windowOf(tenant)
        if (!window.has(event.deviceId)) window.set(event.deviceId, { at: Date.now() })
        for (let attempt = 0; attempt < 5; attempt++) {
          const storm = yield* activeStorm(tenant)
          if (storm !== null) {
            yield* enqueue(tenant, { lost: event.deviceId })
            return Option.some<Routed>({ incidentId: storm.incidentId, opened: false })
          }
          if (window.size < settings.threshold) return Option.none<Routed>()
          const stormId = `storm-${tenant}-${event.id.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 128)
          if (!(yield* index.reserve(tenant, StormKey, stormId))) {
            yield* activeStorm(tenant, true)
            continue
          }
          const at = event.receivedAt ?? event.occurredAt
          yield* store.execute(tenant, stormId, { type: "open_incident", at, incidentId: stormId, tenant, residentId: StormKey, decision: stormDecision, deviceEvent: event })
          remember(tenant, { incidentId: stormId, down: new Set() })
          yield* Effect.logWarning("supervision storm: many devices lost supervision at once; grouped into one incident").pipe(
            Effect.annotateLogs({ tenant, incidentId: stormId, devices: window.size })
          )
          const individuals = [...window.values()].flatMap((e) => (e.incidentId !== undefined ? [e.incidentId] : []))
          yield* Effect.forEach([...window.keys()], (deviceId) => enqueue(tenant, { lost: deviceId }), { concurrency: "unbounded", discard: true })
          yield* mergeIndividuals(tenant, stormId, individuals)
          return Option.some<Routed>({ incidentId: stormId, opened: true })
        }
        return Option.none<Routed>()
      })

      const noteIndividual = (tenant: string, deviceId: string, incidentId: string) =>
        Effect.gen(function*() {
          const entry = windowOf(tenant).get(deviceId)
          if (entry !== undefined) windowOf(tenant).set(deviceId, { ...entry, incidentId })
          // A storm formed while this loss was being routed on its own: it belongs in the storm too.
          const storm = yield* activeStorm(tenant)
          if (storm === null || entry === undefined) return
          yield* enqueue(tenant, { lost: deviceId })
          yield* mergeIndividuals(tenant, storm.incidentId, [incidentId])
        }).pipe(Effect.ignore)

      // Per message: Effect.fn's span and call-site Error (a captured stack per call) cost more than this work.
      const signOfLife = Effect.fnUntraced(function*(event: DeviceEvent) {
        const storm = yield* activeStorm(event.tenant)
        if (storm === null || !storm.down.has(event.deviceId)) return
        storm.down.delete(event.deviceId)
        yield* enqueue(event.tenant, { restored: event.deviceId })
      })

      return SupervisionStorms.of({ routeLoss, noteIndividual, signOfLife })
    })
  )
}
