import { Clock, Effect } from "effect"

interface Snapshot<A> {
  readonly value: A
  readonly loadedAt: number
}

/**
 * One value per tenant (its whole device fleet), loaded in pages and kept fresh in the
 * background: a snapshot older than `refreshMs` is still answered from while its reload
 * runs, so no caller waits on a reload of 100,000 rows (a care alarm least of all). Only
 * the first call for a tenant waits. A failed load is not remembered: the caller falls
 * back to asking for its one device, and the next call tries again.
 *
 * Untraced: the loads run in the context captured here, and a span here would be the parent of every later load's.
 */
export const makeTenantSnapshots = Effect.fnUntraced(function*<A, E, R>(
  /** Gets the snapshot it replaces (if any), so unchanged parts can be kept rather than copied. */
  load: (tenant: string, previous: A | undefined) => Effect.Effect<A, E, R>,
  refreshMs: number
) {
  const context = yield* Effect.context<R>()
  const snapshots = new Map<string, Snapshot<A>>()
  const reloading = new Set<string>()
  // Bumped by invalidateAll, so a load that started before it does not bring back old data.
  let generation = 0

  const loadInto = (tenant: string) => {
    const started = generation
    return load(tenant, snapshots.get(tenant)?.value).pipe(
      Effect.tap((value) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (started === generation) snapshots.set(tenant, { value, loadedAt: now })
        })
      ),
      Effect.provideContext(context),
      Effect.ensuring(Effect.sync(() => reloading.delete(tenant)))
    )
  }

  const get = (tenant: string): Effect.Effect<A | undefined> =>
    // clockWith in place of a suspend: the time costs no extra effect on a lookup.
    Clock.clockWith((clock) => {
      const current = snapshots.get(tenant)
      if (current === undefined) {
        if (reloading.has(tenant)) return Effect.succeed(undefined)
        reloading.add(tenant)
        return loadInto(tenant).pipe(
          Effect.map((value): A | undefined => value),
          Effect.catchCause(() => Effect.succeed(undefined))
        )
      }
      if (clock.currentTimeMillisUnsafe() - current.loadedAt > refreshMs && !reloading.has(tenant)) {
        reloading.add(tenant)
        return Effect.forkDetach(loadInto(tenant).pipe(Effect.ignore)).pipe(Effect.as(current.value))
      }
      return Effect.succeed(current.value)
    })

  const invalidateAll = () => {
    generation++
    snapshots.clear()
  }

  return { get, invalidateAll }
})
