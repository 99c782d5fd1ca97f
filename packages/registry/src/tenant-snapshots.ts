import { Clock, Deferred, Effect } from "effect"

interface Snapshot<A> {
  readonly value: A
  /** When it was last known to be current: loaded, or found unchanged by its version. */
  readonly loadedAt: number
  /** The tenant's version read just before the load, when versions are kept. */
  readonly version: number | undefined
}

/**
 * One value per tenant (its whole device fleet), loaded in pages and kept fresh in the
 * background: a snapshot older than `refreshMs` is still answered from while its reload
 * runs, so no caller waits on a reload of 100,000 rows (a care alarm least of all).
 *
 * Only the first load of a tenant is waited for, and by every caller that comes while it
 * runs: had they asked for their devices one by one meanwhile, a consumer's worth of
 * single-device queries would queue on the pool beside the load and hold it up. In the
 * benchmark they did: a cold triage-bulk took up to 2.4 s per event for its first seconds,
 * and its lane fell seconds behind. A failed load is not remembered: its callers fall back
 * to asking for their one device, and the next call tries again.
 *
 * With `version` (a cheap read that moves whenever the tenant's fleet changes), a snapshot past
 * `refreshMs` is first checked against it and read again only when it moved.
 *
 * Untraced: the loads run in the context captured here, and a span here would be the parent of every later load's.
 */
export const makeTenantSnapshots = Effect.fnUntraced(function*<A, E, R>(
  /** Gets the snapshot it replaces (if any), so unchanged parts can be kept rather than copied. */
  load: (tenant: string, previous: A | undefined) => Effect.Effect<A, E, R>,
  refreshMs: number,
  version?: (tenant: string) => Effect.Effect<number, E, R>
) {
  const context = yield* Effect.context<R>()
  // For `fresh`, which is read without an effect.
  const clock = yield* Clock.Clock
  const snapshots = new Map<string, Snapshot<A>>()
  const reloading = new Set<string>()
  // Bumped by invalidateAll, so a load that started before it does not bring back old data.
  let generation = 0

  const loadInto = (tenant: string) => {
    const started = generation
    return Effect.gen(function*() {
      // Read before the rows: a change committed during the load then shows as a newer version next time.
      const stamp = version === undefined ? undefined : yield* version(tenant)
      const value = yield* load(tenant, snapshots.get(tenant)?.value)
      const now = yield* Clock.currentTimeMillis
      if (started === generation) snapshots.set(tenant, { value, loadedAt: now, version: stamp })
      return value
    }).pipe(
      Effect.provideContext(context),
      Effect.ensuring(Effect.sync(() => reloading.delete(tenant)))
    )
  }

  // Past refreshMs: unchanged by its version, it is current again without a read of the fleet.
  const refresh = (tenant: string, current: Snapshot<A>) => {
    const started = generation
    if (version === undefined || current.version === undefined) return loadInto(tenant)
    return Effect.gen(function*() {
      const now = yield* version(tenant)
      if (now !== current.version) return yield* loadInto(tenant)
      const at = yield* Clock.currentTimeMillis
      if (started === generation && snapshots.get(tenant) === current) snapshots.set(tenant, { ...current, loadedAt: at })
      reloading.delete(tenant)
    }).pipe(
      Effect.provideContext(context),
      Effect.onError(() => Effect.sync(() => reloading.delete(tenant)))
    )
  }

  // A tenant's first load, while it runs: every caller awaits the same one.
  const firstLoads = new Map<string, Deferred.Deferred<A | undefined>>()

  const firstLoad = (tenant: string): Effect.Effect<A | undefined> => {
    const running = firstLoads.get(tenant)
    if (running !== undefined) return Deferred.await(running)
    const loaded = Deferred.makeUnsafe<A | undefined>()
    firstLoads.set(tenant, loaded)
    reloading.add(tenant)
    const loading = loadInto(tenant).pipe(
      Effect.map((value): A | undefined => value),
      Effect.catchCause(() => Effect.succeed(undefined)),
      Effect.onExit((exit) =>
        Effect.suspend(() => {
          // Gone before its waiters resume, so a call after a failed load starts another.
          if (firstLoads.get(tenant) === loaded) firstLoads.delete(tenant)
          // Interrupted (the process stopping): its waiters go on without it rather than wait for ever.
          return Deferred.succeed(loaded, exit._tag === "Success" ? exit.value : undefined)
        })
      )
    )
    // Detached: the caller that happened to start it may be interrupted; the others still wait on it.
    return Effect.andThen(Effect.forkDetach(loading), Deferred.await(loaded))
  }

  const get = (tenant: string): Effect.Effect<A | undefined> =>
    // clockWith in place of a suspend: the time costs no extra effect on a lookup.
    Clock.clockWith((clock) => {
      const current = snapshots.get(tenant)
      if (current === undefined) return firstLoad(tenant)
      if (clock.currentTimeMillisUnsafe() - current.loadedAt > refreshMs && !reloading.has(tenant)) {
        reloading.add(tenant)
        return Effect.forkDetach(refresh(tenant, current).pipe(Effect.ignore)).pipe(Effect.as(current.value))
      }
      return Effect.succeed(current.value)
    })

  /**
   * The tenant's snapshot while it is current, read without an effect; undefined when it is not
   * loaded or is due for its check, which only `get` starts: a caller that reads this first and
   * falls back to `get` keeps the snapshot as fresh as `get` alone would.
   */
  const fresh = (tenant: string): A | undefined => {
    const current = snapshots.get(tenant)
    return current !== undefined && clock.currentTimeMillisUnsafe() - current.loadedAt <= refreshMs ? current.value : undefined
  }

  const invalidateAll = () => {
    generation++
    snapshots.clear()
  }

  return { get, fresh, invalidateAll }
})
