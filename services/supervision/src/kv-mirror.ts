import { Deferred, Effect, Option, Result, type Scope, Stream } from "effect"
import { decodeJson, encodeJson, type KvEntry, Nats, NatsRequestFailed, type WireSchema } from "@wt/nats"

/**
 * A JetStream KV bucket held in memory and kept current by a watch, so that the
 * watch loop can scan every key every tick without a request, and a restarted or
 * second supervision copy rebuilds the same picture from the bucket.
 */
export interface KvMirror<A> {
  readonly bucket: string
  readonly get: (key: string) => A | undefined
  readonly entries: () => IterableIterator<readonly [string, A]>
  readonly keysUnder: (prefix: string) => ReadonlyArray<string>
  /**
   * Read-modify-write by compare-and-set on the key's revision: `f` gets the value
   * as last seen and returns the new one, or undefined (or that same value) to leave it. When another
   * writer got there first, `f` runs again on what they wrote.
   */
  readonly modify: (key: string, f: (current: A | undefined) => A | undefined) => Effect.Effect<Option.Option<A>, NatsRequestFailed>
  /** Calls `listener` with each key whose value this mirror changes (written here, watched, deleted), after the change. */
  readonly onChange: (listener: (key: string) => void) => void
  /** Succeeds once the bucket's contents at start are in memory. */
  readonly loaded: Effect.Effect<void>
}

interface Held<A> {
  readonly value: A
  readonly revision: number
}

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const MaxAttempts = 20

/** Untraced: the watch it forks lives as long as the scope, and would keep this call's span as its parent. */
export const openKvMirror = Effect.fnUntraced(function*<A>(options: {
  readonly bucket: string
  readonly schema: WireSchema<A>
  /** Keys not written for this long are dropped by the server. */
  readonly ttlMs?: number
}): Effect.fn.Return<KvMirror<A>, NatsRequestFailed, Nats | Scope.Scope> {
  const nats = yield* Nats
  const bucket = options.bucket
  const failed = (operation: string) => (cause: unknown) =>
    new NatsRequestFailed({ operation: `${operation} ${bucket}`, message: messageOf(cause) })
  const kv = yield* nats.kv(bucket, options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {})
  const held = new Map<string, Held<A>>()
  const loaded = yield* Deferred.make<void>()
  const listeners: Array<(key: string) => void> = []
  const changed = (key: string) => {
    for (const listener of listeners) listener(key)
  }

  const take = (entry: KvEntry): void => {
    const current = held.get(entry.key)
    if (current !== undefined && current.revision >= entry.revision) return
    if (entry.operation !== "PUT") {
      if (held.delete(entry.key)) changed(entry.key)
      return
    }
    const decoded = decodeJson(options.schema, entry.value)
    // A value this version cannot read is left alone rather than guessed at.
    if (Result.isSuccess(decoded)) {
      held.set(entry.key, { value: decoded.success, revision: entry.revision })
      changed(entry.key)
    }
  }

  const watchOnce = Effect.gen(function*() {
    const lastSeq = yield* kv.lastRevision
    if (lastSeq === 0) yield* Deferred.succeed(loaded, undefined)
    yield* Stream.runForEach(kv.watch, (entry) => {
      take(entry)
      // Values come in stream order: once the last one stored at start is here, so is everything before it.
      return entry.revision >= lastSeq ? Deferred.succeed(loaded, undefined) : Effect.void
    })
  })

  yield* Effect.forkScoped(
    Effect.forever(
      watchOnce.pipe(
        Effect.catch((error) => Effect.logWarning(`KV ${bucket}: ${error.message}; watching again`)),
        Effect.andThen(Effect.sleep("1 second"))
      )
    )
  )

  /**
   * Stores the value if the key is still at `revision` (undefined: not there, or deleted, or expired
   * by the bucket's TTL), giving its new revision, or none when another writer got there first. A
   * compare-and-set that holds on R3, and a plain JetStream write rather than the client's
   * `kv.update`, which builds a request, a timer and an Error for every write: at a storm's rate of
   * signs of life those cost more than the write.
   */
  const write = (key: string, bytes: Uint8Array, revision: number | undefined) =>
    revision === undefined ? kv.create(key, bytes) : kv.update(key, bytes, revision)

  const modify = Effect.fnUntraced(function*(key: string, f: (current: A | undefined) => A | undefined) {
    for (let attempt = 0; attempt < MaxAttempts; attempt++) {
      const current = held.get(key)
      const next = f(current?.value)
      if (next === undefined || next === current?.value) return Option.none<A>()
      const bytes = yield* Effect.fromResult(encodeJson(options.schema, next)).pipe(
        Effect.mapError((error) => failed(`encode ${key} for`)(error))
      )
      const revision = yield* write(key, bytes, current?.revision)
      if (Option.isSome(revision)) {
        const now = held.get(key)
        if (now === undefined || now.revision < revision.value) {
          held.set(key, { value: next, revision: revision.value })
          changed(key)
        }
        return Option.some(next)
      }
      // Another writer got there first: read what they wrote and decide again.
      const fresh = yield* kv.get(key)
      if (Option.isSome(fresh)) take(fresh.value)
    }
    return yield* new NatsRequestFailed({ operation: `KV modify ${bucket}`, message: `still contended after ${MaxAttempts} attempts` })
  })

  return {
    bucket,
    get: (key) => held.get(key)?.value,
    entries: function*() {
      for (const [key, entry] of held) yield [key, entry.value] as const
    },
    keysUnder: (prefix) => [...held.keys()].filter((key) => key.startsWith(prefix)),
    modify,
    onChange: (listener) => void listeners.push(listener),
    loaded: Deferred.await(loaded)
  } satisfies KvMirror<A>
})
