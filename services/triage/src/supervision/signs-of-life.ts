import { Context, Effect, Layer, Metric } from "effect"
import { active, sighted } from "@wt/supervision"
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
}>()("wt/SignsOfLife") {
  static readonly layer = Layer.effect(
    SignsOfLife,
    Effect.gen(function*() {
      const settings = yield* SupervisionSettings
      const store = yield* SupervisionStore
      let seen = new Map<string, Seen>()
      let activity = new Map<string, number>()

      const keepSeen = (key: string, next: Seen) => {
        const current = seen.get(key)
        if (current === undefined || current.atMs < next.atMs) seen.set(key, next)
      }
      const keepActivity = (key: string, atMs: number) => {
        const current = activity.get(key)
        if (current === undefined || current < atMs) activity.set(key, atMs)
      }

      // Whatever cannot be written now goes back into the buffer, merged with what arrived since.
      const flushBuffer = <V>(
        name: string,
        take: () => Map<string, V>,
        write: (key: string, value: V) => Effect.Effect<unknown, { readonly message: string }>,
        keep: (key: string, value: V) => void
      ) =>
        Effect.gen(function*() {
          const batch = take()
          let failed = 0
          let reason = ""
          yield* Effect.forEach(batch, ([key, value]) =>
            write(key, value).pipe(
              Effect.andThen(Metric.update(flushed, 1)),
              Effect.catch((error) =>
                Effect.sync(() => {
                  keep(key, value)
                  failed++
                  reason = error.message
                })
              )
            ), { concurrency: 16, discard: true })
          if (failed > 0) yield* Effect.logWarning(`${failed} ${name} kept for the next flush: ${reason}`)
        })

      const flushSeen = flushBuffer(
        "signs of life",
        () => {
          const batch = seen
          seen = new Map()
          return batch
        },
        (key, s: Seen) =>
          store.sightings.modify(key, (current) => {
            const next = sighted(current, s.atMs, s.intervalS)
            return next === current ? undefined : next
          }),
        keepSeen
      )

      const flushActivity = flushBuffer(
        "activity records",
        () => {
          const batch = activity
          activity = new Map()
          return batch
        },
        (key, atMs: number) =>
          store.activity.modify(key, (current) => {
            const next = active(current, atMs)
            return next === current ? undefined : next
          }),
        keepActivity
      )

      const flush = Effect.all([flushSeen, flushActivity], { discard: true }).pipe(Effect.withSpan("SignsOfLife.flush"))

      yield* Effect.addFinalizer(() => flush)
      // A flush is never cut in half by shutdown: the batch it took would be lost.
      yield* Effect.forkScoped(Effect.forever(Effect.sleep(settings.flushEveryMs).pipe(Effect.andThen(Effect.uninterruptible(flush)))))

      return SignsOfLife.of({
        sighted: (tenant, deviceId, atMs, intervalS) => Effect.sync(() => keepSeen(deviceKey(tenant, deviceId), { atMs, intervalS })),
        active: (tenant, residentId, atMs) => Effect.sync(() => keepActivity(residentKey(tenant, residentId), atMs)),
        flush
      })
    })
  )
}
