import { Kvm } from "@nats-io/kv"
import { Effect, Option, Stream } from "effect"
import type { NatsClient } from "./client.ts"
import type { Nats } from "./connection.ts"
import { apiErrorCode, errorMessage, type NatsRequestFailed, requestFailed, WrongLastSequenceCodes } from "./errors.ts"
import { kvCompareAndSet, kvLastEntry } from "./kv-compare-and-set.ts"
import { retryWhilePlacementPending } from "./placement.ts"

/** How a bucket is made when it does not exist yet; an existing one is opened as it is. */
export interface KvOptions {
  /** Values kept per key; default 1. */
  readonly history?: number
  readonly replicas?: number
  /** Keys not written for this long are dropped by the server. */
  readonly ttlMs?: number
}

/** One entry of a key: a value, or the marker a delete or purge leaves. */
export interface KvEntry {
  readonly key: string
  readonly revision: number
  readonly operation: "PUT" | "DEL" | "PURGE"
  readonly value: Uint8Array
  readonly created: Date
}

/** A JetStream KV bucket, opened with {@link Nats}'s `kv`. */
export interface KvBucket {
  readonly bucket: string
  /** The key's entry, a delete marker included; none when never written. May be answered by a replica. */
  readonly get: (key: string) => Effect.Effect<Option.Option<KvEntry>, NatsRequestFailed>
  /** The key's entry read from the bucket's stream leader: a write just acknowledged is always seen. */
  readonly lastEntry: (key: string) => Effect.Effect<Option.Option<KvEntry>, NatsRequestFailed>
  /** Writes whatever the key holds; the new revision. */
  readonly put: (key: string, value: Uint8Array | string) => Effect.Effect<number, NatsRequestFailed>
  /**
   * Writes if the key holds no value (never written, deleted or purged): the new revision, or none
   * when another writer's value is there. A compare-and-set that holds on R3 (`kvCompareAndSet`).
   */
  readonly create: (key: string, value: Uint8Array) => Effect.Effect<Option.Option<number>, NatsRequestFailed>
  /**
   * Writes if the key is still at `revision` (0: never written): the new revision, or none when
   * another writer moved it first. A compare-and-set that holds on R3 (`kvCompareAndSet`).
   */
  readonly update: (key: string, value: Uint8Array, revision: number) => Effect.Effect<Option.Option<number>, NatsRequestFailed>
  /** Leaves a delete marker; with `revision`, only if the key is still there: false when it moved. */
  readonly delete: (key: string, options?: { readonly revision?: number }) => Effect.Effect<boolean, NatsRequestFailed>
  /** The bucket's last revision now: a watch has seen everything stored before once it reaches it. */
  readonly lastRevision: Effect.Effect<number, NatsRequestFailed>
  /** The latest entry of every key, in stream order, then every change, until the watch ends. */
  readonly watch: Stream.Stream<KvEntry, NatsRequestFailed>
}


const isWrongSequence = (cause: unknown): boolean =>
  WrongLastSequenceCodes.has(apiErrorCode(cause) ?? 0) || /wrong last sequence|key exists/i.test(errorMessage(cause))

const encoder = new TextEncoder()

/** Runs an effect on the connection `client` is of. */
export type OnConnection = <A, E>(effect: Effect.Effect<A, E, Nats>) => Effect.Effect<A, E>

/**
 * Opens the bucket, creating it with `options` if it does not exist, through the KV client; its
 * conditional writes go through `kvCompareAndSet`, on the same connection.
 *
 * Untraced: its one caller, `Nats.kv`, is already the span of opening a bucket.
 */
export const openKv = Effect.fnUntraced(function*(
  client: NatsClient,
  onConnection: OnConnection,
  bucket: string,
  options: KvOptions = {}
): Effect.fn.Return<KvBucket, NatsRequestFailed> {
  const kv = yield* retryWhilePlacementPending(Effect.tryPromise({
    try: () =>
      new Kvm(client.js).create(bucket, {
        history: options.history ?? 1,
        ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
        ...(options.ttlMs === undefined ? {} : { ttl: options.ttlMs })
      }),
    catch: (cause) => cause
  })).pipe(Effect.mapError(requestFailed(`open KV ${bucket}`)))
  const failed = (operation: string) => requestFailed(`${operation} ${bucket}`)
  const compareAndSet = (key: string, value: Uint8Array, revision: number) =>
    onConnection(kvCompareAndSet(bucket, key, value, revision))

  const lastEntry = (key: string) =>
    onConnection(kvLastEntry(bucket, key)).pipe(
      Effect.map(Option.map((stored): KvEntry => ({
        key,
        revision: stored.seq,
        operation: stored.header("KV-Operation") === "DEL" ? "DEL" : stored.header("KV-Operation") === "PURGE" ? "PURGE" : "PUT",
        value: stored.data,
        created: stored.storedAt
      })))
    )

  return {
    bucket,
    // The client's entry is one already: handed on as it is, without a copy per read.
    get: (key) => Effect.tryPromise({ try: () => kv.get(key), catch: failed("KV get") }).pipe(Effect.map((entry): Option.Option<KvEntry> => Option.fromNullishOr(entry))),
    lastEntry,
    put: (key, value) => Effect.tryPromise({ try: () => kv.put(key, typeof value === "string" ? encoder.encode(value) : value), catch: failed("KV put") }),
    // Untraced, as update is: kv-mirror writes through it at a storm's rate of signs of life.
    create: Effect.fnUntraced(function*(key: string, value: Uint8Array) {
      const written = yield* compareAndSet(key, value, 0)
      if (Option.isSome(written)) return written
      // Written before, and deleted or purged since: a create then expects the marker's revision.
      const last = yield* lastEntry(key)
      if (Option.isNone(last) || last.value.operation === "PUT") return Option.none<number>()
      return yield* compareAndSet(key, value, last.value.revision)
    }),
    update: compareAndSet,
    delete: (key, options) =>
      Effect.tryPromise({
        try: () => kv.delete(key, options?.revision === undefined ? undefined : { previousSeq: options.revision }),
        catch: (cause) => cause
      }).pipe(
        Effect.as(true),
        Effect.catch((cause) => (options?.revision !== undefined && isWrongSequence(cause) ? Effect.succeed(false) : Effect.fail(failed("KV delete")(cause))))
      ),
    lastRevision: Effect.tryPromise({ try: () => kv.status(), catch: failed("KV status") }).pipe(Effect.map((status) => status.streamInfo.state.last_seq)),
    watch: Stream.unwrap(
      Effect.acquireRelease(
        Effect.tryPromise({ try: () => kv.watch(), catch: failed("KV watch") }),
        (watch) => Effect.sync(() => watch.stop())
      ).pipe(Effect.map((watch) => Stream.fromAsyncIterable<KvEntry, NatsRequestFailed>(watch, failed("KV watch"))))
    )
  } satisfies KvBucket
})
