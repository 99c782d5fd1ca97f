import { Clock, Config, Context, DateTime, Deferred, Duration, Effect, Exit, Layer, Option, Schedule, Schema } from "effect"
import { Nats } from "@wt/nats"
import type { DeviceEvent, TriageDecision } from "@wt/contracts"
import { onlyTechnical, stormChange, stormIncidentIdFor } from "@wt/incident"
import { IncidentContended, IncidentStore } from "./incident-store.ts"
import { OpenIncidentIndex } from "./open-incident-index.ts"
import type { Routed } from "./route-device-event.ts"
import { catchUpLedger, openedLedger, readLedger, recordWritten, type StormLedger } from "./storm-ledger.ts"

/** The pointer key (in the open-incident index) and pseudo-resident of a tenant's storm incident. */
export const StormKey = "storm"

export const StormSettings = Config.all({
  /** Distinct devices losing supervision within the window that make a storm. */
  threshold: Config.Int("WT_STORM_THRESHOLD").pipe(Config.withDefault(10)),
  windowMs: Config.Duration("WT_STORM_WINDOW").pipe(Config.map(Duration.toMillis), Config.withDefault(60_000)),
  /** How long losses and returns are gathered before one storm_updated event is written. */
  flushMs: Config.Int("WT_STORM_FLUSH_MS").pipe(Config.withDefault(250))
})

/** How long what was found for a tenant is used before the next look (a storm another copy started is seen within it). */
const LookEveryMs = 2000

/** Losses were routed into the tenant's storm, and no storm is under way to write them into. */
class StormGone extends Schema.TaggedError<StormGone>()("StormGone", {
  tenant: Schema.String
}) {
  override get message() {
    return `no supervision storm is under way for ${this.tenant} to hold the losses routed into it; they are routed again`
  }
}

/** What was last found for a tenant: its storm, or null when none is under way. */
interface Checked {
  readonly storm: StormLedger | null
  readonly checkedAt: number
}

/** Told once the batch a change went into is stored, or could not be. */
export type BatchStored = (exit: Exit.Exit<void, unknown>) => void

/** The returns one caller put into a tenant's batch, told together once the batch is stored or could not be. */
export interface Returns {
  readonly tenant: string
  readonly deviceIds: Array<string>
  /** What the caller gave with each device, in the same order (a followed lane: the event's position). */
  readonly tickets: Array<number>
}

/** Told once, with every return it put into the batch: see `heardFromUnsafe`. */
export type ReturnsStored = (returns: Returns, exit: Exit.Exit<void, unknown>) => void

interface Pending {
  readonly lost: Set<string>
  readonly restored: Set<string>
  // Plain callbacks, not a Deferred and a fiber each: in a reconnect storm every device back
  // waits here for its batch, thousands at once, and at about 6 KB each the fibers took
  // supervision past its heap cap (the full benchmark's 100,000-device storm, 2026-12-07).
  readonly waiters: Array<BatchStored>
  // A followed lane's returns, by its one callback: a closure per return (about 250 bytes with its
  // context) was still 29 MB of supervision's heap of 136 when 100,000 devices came back into
  // one batch, and supervision died at its cap (2026-12-08); here each is a position and a reference.
  readonly returns: Map<ReturnsStored, Returns>
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
 * silent at once) into one storm incident per tenant, with counts of the devices it
 * held and those still down, instead of thousands of incidents burying the one real
 * emergency. Which devices are down is in its storm_updated events (see storm-ledger.ts).
 * Only supervision losses join a storm; care alarms stand alone.
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
  /** The device was heard from (known other than by one of its events): it leaves the storm's list. */
  readonly heardFrom: (tenant: string, deviceId: string) => Effect.Effect<void, unknown>
  /**
   * `heardFrom` for code inside a synchronous step, on what was found for the tenant within the last
   * 2 s (or before, while a look is under way): "done" when there is nothing to wait for (no storm, the device not down, or its return
   * already in the next batch); "waiting" when its return went into the next batch, and `stored` is
   * called once that batch is stored or could not be (at a later flush, never during this call),
   * once for all the returns given with it, each with its `ticket`;
   * undefined when the storm must be looked at again first: use `heardFrom`.
   */
  readonly heardFromUnsafe: (tenant: string, deviceId: string, ticket: number, stored: ReturnsStored) => "done" | "waiting" | undefined
  /** No storm is under way for the tenant, as looked at within the last 2 s (or before, while a look is under way): a sign of life has nothing to do here. Read without an effect. */
  readonly quietNow: (tenant: string) => boolean
}>()("wt/SupervisionStorms") {
  static readonly layer = Layer.effect(
    SupervisionStorms,
    Effect.gen(function*() {
      const settings = yield* StormSettings
      const store = yield* IncidentStore
      const index = yield* OpenIncidentIndex
      const nats = yield* Nats
      const windows = new Map<string, Map<string, { at: number; incidentId?: string }>>()
      const storms = new Map<string, Checked>()
      // Read without an effect: recent() is asked by signOfLife, per event on every lane.
      const clock = yield* Clock.Clock
      const remember = (tenant: string, storm: StormLedger | null) => storms.set(tenant, { storm, checkedAt: clock.currentTimeMillisUnsafe() })
      const pending = new Map<string, Pending>()

      const windowOf = (tenant: string, now: number) => {
        let w = windows.get(tenant)
        if (w === undefined) windows.set(tenant, (w = new Map()))
        evictBefore(w, now - settings.windowMs)
        return w
      }

      // Cached per tenant and brought up to date every 2 s, so a storm another copy started, and
      // the losses and returns other copies wrote, are seen. Only the messages since the last
      // look are read: the list of devices down is built from the storm's events, not reloaded.
      // `before` is what was known as the look started (see sharedLook).
      const lookAgain = Effect.fnUntraced(function*(tenant: string, cached: Checked | undefined, before: Checked | undefined) {
        const pointer = yield* index.find(tenant, StormKey)
        let found: StormLedger | null = null
        if (Option.isSome(pointer)) {
          const known = cached?.storm
          const ledger = known != null && known.incidentId === pointer.value.incidentId
            ? yield* catchUpLedger(tenant, known)
            : yield* readLedger(tenant, pointer.value.incidentId)
          if (ledger.seq > 0 && ledger.active) {
            found = ledger
          } else if (ledger.seq > 0 || (yield* Clock.currentTimeMillis) - pointer.value.createdAt.getTime() > 30_000) {
            yield* index.release(tenant, StormKey, pointer.value.revision)
          }
        }
        // A storm this process opened while the look was under way is newer than what the look read
        // (a reservation not yet opened reads as none): forgetting it dropped the losses routed into it.
        const meanwhile = storms.get(tenant)
        if (found === null && meanwhile !== before && meanwhile?.storm != null) return meanwhile.storm
        remember(tenant, found)
        return found
      }, Effect.provideService(Nats, nats))

      type Found = Effect.Success<ReturnType<typeof lookAgain>>
      type LookFailed = Effect.Error<ReturnType<typeof lookAgain>>
      // One look per tenant at a time. Who comes while it is under way uses what is known, and
      // waits for the look only when nothing is known yet or it asked for a fresh one. Each caller
      // that found what was known older than 2 s looked on its own before, and where a look took
      // longer (a storm read from its start, a starved process) the next ones started more, every
      // one reading the same messages: triage-bulk held fourteen at once, thousands of messages
      // each, and ran out of heap. (Waiting instead held ten thousand fibers in supervision.)
      const looks = new Map<string, { readonly id: number; readonly found: Deferred.Deferred<Found, LookFailed> }>()
      let looksStarted = 0
      const scope = yield* Effect.scope
      /** The storm as a look started after look number `startedAfter` found it (-1: any look). */
      const sharedLook = (tenant: string, startedAfter: number): Effect.Effect<Found, LookFailed> =>
        Effect.suspend(() => {
          const under = looks.get(tenant)
          if (under !== undefined && under.id > startedAfter) return Deferred.await(under.found)
          // Started before it was asked for (a batch was refused as stale): its answer may be older still.
          if (under !== undefined) return Effect.andThen(Effect.exit(Deferred.await(under.found)), sharedLook(tenant, startedAfter))
          const id = ++looksStarted
          const found = Deferred.makeUnsafe<Found, LookFailed>()
          looks.set(tenant, { id, found })
          const cached = storms.get(tenant)
          if (cached !== undefined) remember(tenant, cached.storm)
          const before = storms.get(tenant)
          // In the layer's scope, not the caller's: a caller interrupted does not end the look the others wait for.
          const look = Effect.onExit(lookAgain(tenant, cached, before), (exit) =>
            Effect.sync(() => {
              if (looks.get(tenant)?.id === id) looks.delete(tenant)
              Deferred.doneUnsafe(found, exit)
            }))
          return Effect.andThen(Effect.forkIn(look, scope), Deferred.await(found))
        })

      const recent = (cached: Checked | undefined): cached is Checked => cached !== undefined && clock.currentTimeMillisUnsafe() - cached.checkedAt < LookEveryMs

      /**
       * What is known of the tenant's storm, for a caller that cannot wait: as `activeStorm` gives it to
       * every caller but the first while a look is under way. Undefined (look first) only when nothing
       * is known, or it is old and no look is under way: the caller's `heardFrom` starts one. (Without
       * the look under way, every sign of life in a storm went to a fiber of its own until the look
       * ended, thousands in a starved process, and supervision died at its heap cap.)
       */
      const knownUnsafe = (tenant: string): Checked | undefined => {
        const cached = storms.get(tenant)
        return cached !== undefined && (recent(cached) || looks.has(tenant)) ? cached : undefined
      }

      const activeStorm = (tenant: string, fresh = false) => {
        const known = fresh ? undefined : knownUnsafe(tenant)
        if (known !== undefined) return Effect.succeed(known.storm)
        return sharedLook(tenant, fresh ? looksStarted : -1)
      }

      const pendingOf = (tenant: string) => {
        let p = pending.get(tenant)
        if (p === undefined) pending.set(tenant, (p = { lost: new Set(), restored: new Set(), waiters: [], returns: new Map() }))
        return p
      }
      const enqueueUnsafe = (tenant: string, change: { lost?: string; restored?: string }, stored: BatchStored) => {
        const p = pendingOf(tenant)
        if (change.lost !== undefined) p.lost.add(change.lost)
        if (change.restored !== undefined) p.restored.add(change.restored)
        p.waiters.push(stored)
      }
      /** Once for every loss and restore while a storm is under way: waits for its batch to be stored. */
      const enqueue = (tenant: string, change: { lost?: string; restored?: string }) =>
        Effect.callback<void, unknown>((resume) => enqueueUnsafe(tenant, change, resume))

      // The state counts devices; which are down is this process's ledger. A batch worked out on an
      // old ledger is refused (StormViewStale): read what the other writers stored and work it out again.
      const flushOnce = Effect.fn("SupervisionStorms.flush")(function*(tenant: string, batch: Pending, fresh: boolean) {
        const storm = yield* activeStorm(tenant, fresh)
        if (storm === null) {
          // A return needs no storm. A loss was routed into one: with none found it is not stored,
          // and its event is handled again (routed anew), never acknowledged as in a storm.
          if (batch.lost.size === 0) return
          return yield* new StormGone({ tenant })
        }
        const change = stormChange(storm.down, batch.lost, batch.restored)
        if (change.lost.length === 0 && change.restored.length === 0) return
        const written = yield* store.execute(tenant, storm.incidentId, {
          type: "update_storm",
          at: (yield* DateTime.nowAsDate).toISOString(),
          basedOnVersion: storm.version,
          ...change
        })
        if (written.state !== undefined) recordWritten(storm, change, written.state, written.seq)
      })

      // Twelve tries in all; after the first, each reads the storm afresh.
      const flushTenant = (tenant: string, batch: Pending) =>
        flushOnce(tenant, batch, false).pipe(
          Effect.catchTags({
            StormViewStale: () => flushOnce(tenant, batch, true).pipe(Effect.retry({ times: 10, while: (error) => error._tag === "StormViewStale" })),
            StormGone: () => flushOnce(tenant, batch, true)
          }),
          Effect.catchTag("StormViewStale", () =>
            Effect.fail(new IncidentContended({ incidentId: storms.get(tenant)?.storm?.incidentId ?? StormKey }))),
          Effect.exit,
          Effect.flatMap((exit) =>
            Effect.sync(() => {
              const told = Exit.isSuccess(exit) ? Exit.void : exit
              for (const stored of batch.waiters) stored(told)
              for (const [stored, returns] of batch.returns) stored(returns, told)
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
          // Only incidents nobody has taken, holding only technical signals: a person decides the rest.
          if (Option.isNone(stored) || stored.value.state.status !== "open" || !onlyTechnical(stored.value.state)) continue
          yield* store.execute(tenant, incidentId, { type: "merge", at: (yield* DateTime.nowAsDate).toISOString(), by: { kind: "system", id: "triage", name: "storm grouping" }, into: stormId }).pipe(
            Effect.ignore
          )
        }
      })

      const routeLoss = Effect.fn("SupervisionStorms.routeLoss")(function*(event: DeviceEvent, stormDecision: TriageDecision) {
        const tenant = event.tenant
        const now = yield* Clock.currentTimeMillis
        const window = windowOf(tenant, now)
        if (!window.has(event.deviceId)) window.set(event.deviceId, { at: now })
        // One look: the storm's incident, none (no storm, too few losses), or undefined when another
        // copy reserved the storm first and we must look again.
        const look = Effect.gen(function*() {
          const storm = yield* activeStorm(tenant)
          if (storm !== null) {
            yield* enqueue(tenant, { lost: event.deviceId })
            return Option.some<Routed>({ incidentId: storm.incidentId, opened: false })
          }
          if (window.size < settings.threshold) return Option.none<Routed>()
          const stormId = stormIncidentIdFor(event)
          if (!(yield* index.reserve(tenant, StormKey, stormId))) {
            yield* activeStorm(tenant, true)
            return undefined
          }
          const at = event.receivedAt ?? event.occurredAt
          const opened = yield* store.execute(tenant, stormId, { type: "open_incident", at, incidentId: stormId, tenant, residentId: StormKey, decision: stormDecision, deviceEvent: event })
          remember(tenant, openedLedger(stormId, opened.state?.version ?? 1, opened.seq))
          yield* Effect.logWarning("supervision storm: many devices lost supervision at once; grouped into one incident").pipe(
            Effect.annotateLogs({ tenant, incidentId: stormId, devices: window.size })
          )
          const individuals = [...window.values()].flatMap((e) => (e.incidentId !== undefined ? [e.incidentId] : []))
          yield* Effect.forEach([...window.keys()], (deviceId) => enqueue(tenant, { lost: deviceId }), { concurrency: "unbounded", discard: true })
          yield* mergeIndividuals(tenant, stormId, individuals)
          return Option.some<Routed>({ incidentId: stormId, opened: true })
        })
        // Five looks in all.
        const routed = yield* look.pipe(Effect.repeat({ times: 4, until: (r) => r !== undefined }))
        return routed ?? Option.none<Routed>()
      })

      // Untraced: after every supervision loss routed as an incident of its own.
      const noteIndividual = Effect.fnUntraced(function*(tenant: string, deviceId: string, incidentId: string) {
        const window = windowOf(tenant, yield* Clock.currentTimeMillis)
        const entry = window.get(deviceId)
        if (entry !== undefined) window.set(deviceId, { ...entry, incidentId })
        // A storm formed while this loss was being routed on its own: it belongs in the storm too.
        const storm = yield* activeStorm(tenant)
        if (storm === null || entry === undefined) return
        yield* enqueue(tenant, { lost: deviceId })
        yield* mergeIndividuals(tenant, storm.incidentId, [incidentId])
      }, Effect.ignore())

      /** The device's return is to be written: it is down, or lost in the batch not yet written (stormChange lets a batch hold both), and not already on its way in the next batch (a device's later events need not wait for it). */
      const returnDue = (tenant: string, storm: StormLedger, deviceId: string) => {
        const waiting = pending.get(tenant)
        if (!storm.down.has(deviceId) && waiting?.lost.has(deviceId) !== true) return false
        return waiting?.restored.has(deviceId) !== true
      }

      // Per message: Effect.fn's span and call-site Error (a captured stack per call) cost more than this work.
      // A restore waits for its batch to be stored, as a loss does.
      const heardFrom = Effect.fnUntraced(function*(tenant: string, deviceId: string) {
        const storm = yield* activeStorm(tenant)
        if (storm === null || !returnDue(tenant, storm, deviceId)) return
        yield* enqueue(tenant, { restored: deviceId })
      })

      const heardFromUnsafe = (tenant: string, deviceId: string, ticket: number, stored: ReturnsStored): "done" | "waiting" | undefined => {
        const cached = knownUnsafe(tenant)
        if (cached === undefined) return undefined
        if (cached.storm === null || !returnDue(tenant, cached.storm, deviceId)) return "done"
        const p = pendingOf(tenant)
        p.restored.add(deviceId)
        let returns = p.returns.get(stored)
        if (returns === undefined) p.returns.set(stored, (returns = { tenant, deviceIds: [], tickets: [] }))
        returns.deviceIds.push(deviceId)
        returns.tickets.push(ticket)
        return "waiting"
      }

      const quietNow = (tenant: string) => knownUnsafe(tenant)?.storm === null

      // Per event on every lane: with no storm under way (nearly always), no generator and no fiber work.
      const signOfLife = (event: DeviceEvent) => (quietNow(event.tenant) ? Effect.void : heardFrom(event.tenant, event.deviceId))

      return SupervisionStorms.of({ routeLoss, noteIndividual, signOfLife, heardFrom, heardFromUnsafe, quietNow })
    })
  )
}
