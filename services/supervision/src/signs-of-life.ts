import { Cause, Clock, Context, Effect, Layer, Metric } from "effect"
import { active, type DeviceSighting, kvAfterFor, kvWriteDue, sighted, withNewerSign } from "@wt/supervision"
import { forEachInChunks } from "./in-chunks.ts"
import { FollowedLanes, SupervisionProgress } from "./lane-watermark.ts"
import { SignsJournal } from "./signs-journal.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { deviceKey, residentKey, SupervisionStore } from "./supervision-store.ts"

const flushed = Metric.counter("wt_supervision_sightings_flushed_total", {
  description: "Coalesced signs of life and activity written to KV",
  incremental: true
})

const journalled = Metric.counter("wt_supervision_signs_journalled_total", {
  description: "Coalesced signs of life written to the journal (one message per flush and copy)",
  incremental: true
})

/**
 * How often a copy looks for devices whose last sign has waited long enough in the journal alone: a
 * twentieth of the set time, so a quiet device reaches KV at most 5 % after its share of it (30 s
 * by default, well inside the journal's 30 minutes). A look walks every device in the journal, a
 * KV lookup and a hash each: 28–45 ms for 110,000 devices on a 2-core machine, which every 5 s was
 * about half of supervision's CPU at rest.
 */
const quietLookEveryMs = (kvAfterMs: number): number => Math.max(100, kvAfterMs / 20)

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
 * Signs of life and activity arrive at telemetry rates. Signs of life go, once per flush, into
 * the journal every copy reads (one message for all the devices heard from); a device's KV entry
 * is written only when `kvWriteDue` says KV must not wait for it any longer. Activity goes to KV,
 * the latest per resident once per flush. Everything is written by compare-and-set, never moving
 * backwards; what is buffered when the layer stops is flushed on the way out.
 */
export class SignsOfLife extends Context.Service<SignsOfLife, {
  readonly sighted: (tenant: string, deviceId: string, atMs: number, intervalS: number) => Effect.Effect<void>
  /** `sighted`, for code already inside a synchronous step (a followed lane's read callback). */
  readonly sightedUnsafe: (tenant: string, deviceId: string, atMs: number, intervalS: number) => void
  readonly active: (tenant: string, residentId: string, atMs: number) => Effect.Effect<void>
  /** Writes what is buffered; what cannot be written now stays for the next flush. */
  readonly flush: Effect.Effect<void>
  /** A sign of life of the device later than `sinceMs` is known to this copy: buffered, being written, in the journal or in KV. */
  readonly heardSince: (tenant: string, deviceId: string, sinceMs: number) => boolean
  /** The device's sighting as KV holds it, with the journal's newer sign of life when it has one. */
  readonly latest: (key: string, stored: DeviceSighting) => DeviceSighting
}>()("wt/SignsOfLife") {
  static readonly layer = Layer.effect(
    SignsOfLife,
    Effect.gen(function*() {
      const settings = yield* SupervisionSettings
      const store = yield* SupervisionStore
      const journal = yield* SignsJournal
      const progress = yield* SupervisionProgress
      const seen = latestPerKey<Seen>((next, current) => current.atMs < next.atMs)
      const activity = latestPerKey<number>((next, current) => current < next)

      /** Each write by compare-and-set, 16 at a time; the ones that fail are named in one warning. */
      const writeEach = Effect.fnUntraced(function*<T>(
        items: Iterable<T>,
        write: (item: T) => Effect.Effect<unknown, { readonly message: string }>,
        notWritten: string
      ) {
        let failed = 0
        let reason = ""
        yield* forEachInChunks(items, (item) =>
          write(item).pipe(
            Effect.andThen(Metric.update(flushed, 1)),
            Effect.catch((error) =>
              Effect.sync(() => {
                failed++
                reason = error.message
              })
            )
          ), { concurrency: 16 })
        if (failed > 0) yield* Effect.logWarning(`${failed} ${notWritten}: ${reason}`)
      })

      // Still in the journal, and due again at the next look: nothing is lost by waiting.
      const writeSightings = (due: ReadonlyArray<readonly [string, Seen]>) =>
        writeEach(due, ([key, s]) => store.sightings.modify(key, (current) => sighted(current, s.atMs, s.intervalS)), "signs of life not written to KV yet")

      // The followed lanes' positions last stored with a page: a page goes out when there are signs or
      // when a position moved (events that were not signs, e.g. a supervision-lost fault).
      const published = new Map<string, number>()
      const positionsNow = () => {
        const through: Record<string, number> = {}
        let moved = false
        for (const lane of FollowedLanes) {
          const seq = progress[lane].handledThroughSeq()
          if (seq === undefined) continue
          through[lane] = seq
          if (seq !== published.get(lane)) moved = true
        }
        return { through, moved }
      }

      /** The signs waiting, into the journal; those KV must not wait for are returned to be written there. */
      const journalSeen = Effect.fnUntraced(function*() {
        // Read before the signs are taken: every sign of an event up to these positions is among them or stored already.
        const { through, moved } = positionsNow()
        const taken = Array.from(seen.waiting())
        if (taken.length === 0 && !moved) return []
        const stored = yield* journal.publish(taken, through).pipe(
          Effect.as(true),
          Effect.catch((error) => Effect.logWarning(`${taken.length} signs of life kept for the next flush: ${error.message}`).pipe(Effect.as(false)))
        )
        if (!stored) return []
        for (const lane in through) published.set(lane, through[lane]!)
        for (const [key, s] of taken) seen.written(key, s)
        yield* Metric.update(journalled, taken.length)
        const now = yield* Clock.currentTimeMillis
        return taken.filter(([key, s]) => kvWriteDue(store.sightings.get(key)?.lastSeenMs, s.atMs, now, kvAfterFor(key, settings.kvAfterMs)))
      })

      // Two steps, so that what was taken (a whole fleet's signs in a storm) is let go while KV is written.
      const flushSeen = () => Effect.flatMap(journalSeen(), writeSightings)

      /** Devices quiet for their share of `kvAfterMs` get their last sign written to KV; what KV has caught up with leaves the journal's memory. */
      const catchUpQuiet = Effect.fnUntraced(function*() {
        const now = yield* Clock.currentTimeMillis
        const due: Array<readonly [string, Seen]> = []
        for (const [key, sign] of journal.entries()) {
          const kv = store.sightings.get(key)?.lastSeenMs
          if (kv !== undefined && kv >= sign.atMs) journal.forget(key, sign.atMs)
          else if (kvWriteDue(kv, sign.atMs, now, kvAfterFor(key, settings.kvAfterMs))) due.push([key, sign])
        }
        yield* writeSightings(due)
      })

      // What cannot be written now stays for the next flush.
      const flushActivity = () =>
        writeEach(
          activity.waiting(),
          ([key, atMs]) => store.activity.modify(key, (current) => active(current, atMs)).pipe(Effect.andThen(Effect.sync(() => activity.written(key, atMs)))),
          "activity records kept for the next flush"
        )

      const flush = Effect.all([flushSeen(), flushActivity()], { discard: true }).pipe(Effect.withSpan("SignsOfLife.flush"))

      yield* Effect.addFinalizer(() => flush)
      // A flush is never cut in half by shutdown: the batch it took would be lost.
      yield* Effect.forkScoped(Effect.forever(Effect.sleep(settings.flushEveryMs).pipe(Effect.andThen(Effect.uninterruptible(flush)))))
      // Once the journal as it stood is read, so that a starting copy does not write what KV is about to be told anyway.
      yield* Effect.forkScoped(
        journal.loaded.pipe(
          Effect.andThen(Effect.forever(Effect.sleep(quietLookEveryMs(settings.kvAfterMs)).pipe(Effect.andThen(Effect.uninterruptible(catchUpQuiet()))))),
          Effect.catchCause((cause) => Effect.logWarning(`signs of life: looking for quiet devices stopped: ${Cause.pretty(cause).split("\n")[0]}`))
        )
      )

      const sightedUnsafe = (tenant: string, deviceId: string, atMs: number, intervalS: number) => seen.keep(deviceKey(tenant, deviceId), { atMs, intervalS })
      return SignsOfLife.of({
        sighted: (tenant, deviceId, atMs, intervalS) => Effect.sync(() => sightedUnsafe(tenant, deviceId, atMs, intervalS)),
        sightedUnsafe,
        active: (tenant, residentId, atMs) => Effect.sync(() => activity.keep(residentKey(tenant, residentId), atMs)),
        flush,
        heardSince: (tenant, deviceId, sinceMs) => {
          const key = deviceKey(tenant, deviceId)
          return (seen.peek(key)?.atMs ?? 0) > sinceMs || (journal.newest(key)?.atMs ?? 0) > sinceMs ||
            (store.sightings.get(key)?.lastSeenMs ?? 0) > sinceMs
        },
        latest: (key, stored) => withNewerSign(stored, journal.newest(key))
      })
    })
  )
}
