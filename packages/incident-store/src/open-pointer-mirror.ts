import { Effect, Stream, type Scope } from "effect"
import type { KvBucket, KvEntry } from "@wt/nats"

/** A resident's pointer as last seen: the incident it names, or none (a delete marker), at its revision. */
export interface HeldPointer {
  readonly incidentId: string | undefined
  readonly revision: number
  readonly createdAt: Date
}

/**
 * The open-incident bucket held in memory, kept current by a watch and by this process's own
 * writes. Only ever a first guess: every write it leads to is a compare-and-set on the revision it
 * gives, so a guess that lagged the bucket fails that write and the caller reads the leader.
 * It spares a care alarm the pointer's read, one of its round trips to its incident.
 */
export interface OpenPointerMirror {
  /** The key's pointer as held; `undefined` until the bucket's contents at start are in, or while re-watching. */
  readonly get: (key: string) => HeldPointer | "never written" | undefined
  /** What this process itself just wrote (a reservation, a take-over, a release) at `revision`. */
  readonly wrote: (key: string, incidentId: string | undefined, revision: number) => void
}

const decoder = new TextDecoder()

/** Untraced: the watch it forks lives as long as the scope. */
export const watchOpenPointers = Effect.fnUntraced(function*(kv: KvBucket): Effect.fn.Return<OpenPointerMirror, never, Scope.Scope> {
  const held = new Map<string, HeldPointer>()
  let loaded = false

  const take = (key: string, pointer: HeldPointer) => {
    const current = held.get(key)
    if (current === undefined || current.revision < pointer.revision) held.set(key, pointer)
  }
  const pointerOf = (entry: KvEntry): HeldPointer => ({
    incidentId: entry.operation === "PUT" && entry.value.length > 0 ? decoder.decode(entry.value) : undefined,
    revision: entry.revision,
    createdAt: entry.created
  })

  const watchOnce = Effect.gen(function*() {
    const lastSeq = yield* kv.lastRevision
    if (lastSeq === 0) loaded = true
    yield* Stream.runForEach(kv.watch, (entry) =>
      Effect.sync(() => {
        take(entry.key, pointerOf(entry))
        // Entries come in stream order: once the last one stored at start is here, so is everything before it.
        if (entry.revision >= lastSeq) loaded = true
      }))
  })

  yield* Effect.forkScoped(
    Effect.forever(
      watchOnce.pipe(
        Effect.catch((error) => Effect.logWarning(`KV ${kv.bucket}: ${error.message}; watching again`)),
        // What was missed while the watch was down is not known: no guesses until it has caught up again.
        Effect.andThen(Effect.sync(() => { loaded = false })),
        Effect.andThen(Effect.sleep("1 second"))
      )
    )
  )

  return {
    get: (key) => (loaded ? held.get(key) ?? "never written" : undefined),
    wrote: (key, incidentId, revision) => take(key, { incidentId, revision, createdAt: new Date() })
  }
})
