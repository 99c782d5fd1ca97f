import { Clock, Effect } from "effect"

/** Remembered lookups: what a key gave, until `timeToLiveMs` has passed or `capacity` pushes it out. */
export interface LookupCache<K, A, E, R> {
  readonly get: (key: K) => Effect.Effect<A, E, R>
  readonly invalidateAll: Effect.Effect<void>
  /** Entries held now: expired ones go as new ones come in, from the least recently used on. */
  readonly size: () => number
}

/**
 * A cache that keeps only values. Effect's `Cache` keeps each entry's lookup fiber (its
 * context, span and stack) for as long as the entry lives: with tens of thousands of devices
 * looked up in ten seconds (absence supervision raising a silent fleet) those fibers were
 * megabytes of heap. Two callers missing the same key at once both look it up; a failed
 * lookup is not remembered, so the next caller asks again. The least recently used entry
 * goes first when full, and expired entries go as new ones come in: after a silent fleet was
 * raised, supervision held 50,000 owners nobody would ask for again (19 MB of its 136 MB heap,
 * the largest thing in it, the full benchmark's storm, 2026-12-07) until the next 50,000 pushed
 * them out.
 */
export const makeLookupCache = <K, A, E, R>(options: {
  readonly lookup: (key: K) => Effect.Effect<A, E, R>
  readonly capacity: number
  readonly timeToLiveMs: number
}): LookupCache<K, A, E, R> => {
  const entries = new Map<K, { readonly value: A; readonly expiresAt: number }>()
  const get = (key: K): Effect.Effect<A, E, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const held = entries.get(key)
      if (held !== undefined) {
        entries.delete(key)
        if (held.expiresAt > now) {
          // Re-inserted: a Map keeps insertion order, so the first key is the least recently used.
          entries.set(key, held)
          return Effect.succeed(held.value)
        }
      }
      return Effect.tap(options.lookup(key), (value) =>
        Effect.sync(() => {
          entries.delete(key)
          entries.set(key, { value, expiresAt: now + options.timeToLiveMs })
          // From the least recently used on: the walk ends at the first entry still alive.
          for (const [oldest, entry] of entries) {
            if (entries.size <= options.capacity && entry.expiresAt > now) break
            entries.delete(oldest)
          }
        }))
    })
  return {
    get,
    invalidateAll: Effect.sync(() => entries.clear()),
    size: () => entries.size
  }
}
