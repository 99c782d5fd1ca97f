import { Context, Effect, Layer, Metric } from "effect"
import { active, sighted } from "@wt/supervision"
import { forEachInChunks } from "./in-chunks.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { deviceKey, residentKey, SupervisionStore } from "./supervision-store.ts"

const flushed = Metric.counter("wt_supervision_sightings_flushed_total", {
  description: "Coalesced signs of life and activity written to KV",
  incremental: true
})

interface Seen {
  readonly atMs: number
  readonly intervalS: number
}

interface LatestPerKey<V> {
  readonly keep: (key: string, value: V) => void
  /** The newest value kept for the key and not yet written. */
  readonly peek: (key: string) => V | undefined
  /**
   * What is waiting now, newest value per key, for one flush: as many entries as are waiting at the
   * call (a value kept meanwhile for one of them is read in its place).
   */
  readonly waiting: () => Iterable<readonly [string, V]>
  /** The value was written: forgotten, unless a newer one was kept for its key meanwhile. */
  readonly written: (key: string, value: V) => void
}

/**
 * The newest value per key until it is written. One map: a value stays in it, readable, until
 * its write succeeds. (Swapping in an empty buffer for every flush held two copies of the fleet in
 * a burst: while 110,000 signs of life were written, the next 110,000 gathered beside them.)
 */
export const latestPerKey = <V>(isNewer: (next: V, current: V) => boolean): LatestPerKey<V> => {
  const unwritten = new Map<string, V>()
  return {
    keep: (key, value) => {
      const current = unwritten.get(key)
      if (current === undefined || isNewer(value, current)) unwritten.set(key, value)
    },
    peek: (key) => unwritten.get(key),
    waiting: function*() {
      // Map iteration is live: keys kept during the flush come after these, for the next one.
      let left = unwritten.size
      for (const entry of unwritten) {
        if (left-- === 0) return
        yield entry
      }
    },
    written: (key, value) => {
      if (unwritten.get(key) === value) unwritten.delete(key)
    }
  }
}

/**
 * Signs of life and activity arrive at telemetry rates; KV gets the latest per
 * device (and per resident) once per flush, by compare-and-set, never moving
 * backwards. What is buffered when the layer stops is flushed on the way out.
 */
export class SignsOfLife extends Context.Service<SignsOfLife, {
  readonly sighted: (tenant: string, deviceId: string, atMs: number, intervalS: number) => Effect.Effect<void>
  readonly active: (tenant: string, residentId: string, atMs: number) => Effect.Effect<void>
  /** Writes what is buffered; what cannot be written now stays for the next flush. */
  readonly flush: Effect.Effect<void>
  /** A sign of life of the device later than `sinceMs` is known to this copy: buffered, being written, or in KV. */
  readonly heardSince: (tenant: string, deviceId: string, sinceMs: number) => boolean
}>()("wt/SignsOfLife") {
  static readonly layer = Layer.effect(
    SignsOfLife,
    Effect.gen(function*() {
      const settings = yield* SupervisionSettings
      const store = yield* SupervisionStore
      const seen = latestPerKey<Seen>((next, current) => current.atMs < next.atMs)
      const activity = latestPerKey<number>((next, current) => current < next)

      // What cannot be written now stays for the next flush.
      const flushBuffer = Effect.fnUntraced(function*<V>(
        name: string,
        buffer: LatestPerKey<V>,
        write: (key: string, value: V) => Effect.Effect<unknown, { readonly message: string }>
      ) {
        let failed = 0
        let reason = ""
        yield* forEachInChunks(buffer.waiting(), ([key, value]) =>
          write(key, value).pipe(
            Effect.andThen(Effect.sync(() => buffer.written(key, value))),
            Effect.andThen(Metric.update(flushed, 1)),
            Effect.catch((error) =>
              Effect.sync(() => {
                failed++
                reason = error.message
              })
            )
          ), { concurrency: 16 })
        if (failed > 0) yield* Effect.logWarning(`${failed} ${name} kept for the next flush: ${reason}`)
      })

      const flushSeen = flushBuffer("signs of life", seen, (key, s) => store.sightings.modify(key, (current) => sighted(current, s.atMs, s.intervalS)))
      const flushActivity = flushBuffer("activity records", activity, (key, atMs) => store.activity.modify(key, (current) => active(current, atMs)))

      const flush = Effect.all([flushSeen, flushActivity], { discard: true }).pipe(Effect.withSpan("SignsOfLife.flush"))

      yield* Effect.addFinalizer(() => flush)
      // A flush is never cut in half by shutdown: the batch it took would be lost.
      yield* Effect.forkScoped(Effect.forever(Effect.sleep(settings.flushEveryMs).pipe(Effect.andThen(Effect.uninterruptible(flush)))))

      return SignsOfLife.of({
        sighted: (tenant, deviceId, atMs, intervalS) => Effect.sync(() => seen.keep(deviceKey(tenant, deviceId), { atMs, intervalS })),
        active: (tenant, residentId, atMs) => Effect.sync(() => activity.keep(residentKey(tenant, residentId), atMs)),
        flush,
        heardSince: (tenant, deviceId, sinceMs) => {
          const key = deviceKey(tenant, deviceId)
          return (seen.peek(key)?.atMs ?? 0) > sinceMs || (store.sightings.get(key)?.lastSeenMs ?? 0) > sinceMs
        }
      })
    })
  )
}
