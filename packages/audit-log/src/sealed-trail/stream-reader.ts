import { bulkReadRange, Nats, NatsRequestFailed, readRange } from "@wt/nats"
import { Effect } from "effect"

/** A message exactly as the stream stores it. */
export interface RawMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
}

/** The stream's first and last sequence right now (both 0 when it never held a message), and when it was created. */
export const streamBounds = Effect.fn("Audit.streamBounds")(function*(stream: string) {
  const info = yield* Nats.use((nats) => nats.streamInfo(stream))
  return { firstSeq: info.state.first_seq, lastSeq: info.state.last_seq, messages: info.state.messages, created: info.created }
})

export interface ReadRangeOptions {
  readonly stream: string
  readonly filterSubject?: string
  /** Default: the stream's first message. */
  readonly fromSeq?: number
  /** Default: the last message stored when the read starts. */
  readonly toSeq?: number
  /** Called for each message in stream order; must not throw. */
  readonly onMessage: (message: RawMessage) => void
}

/**
 * Reads a stretch of a stream in order with one ordered consumer (`readRange`) and returns how
 * many messages it handed over, up to the last stored when the read starts.
 */
export const readStreamRange = Effect.fn("Audit.readStreamRange")(function*(options: ReadRangeOptions) {
  const bounds = yield* streamBounds(options.stream)
  const toSeq = Math.min(options.toSeq ?? bounds.lastSeq, bounds.lastSeq)
  if (toSeq === 0 || (options.fromSeq ?? 1) > toSeq) return 0
  const { onMessage } = options
  return yield* readRange({
    stream: options.stream,
    ...(options.filterSubject === undefined ? {} : { filterSubject: options.filterSubject }),
    ...(options.fromSeq === undefined ? {} : { fromSeq: options.fromSeq }),
    toSeq,
    onMessage: (seq, subject, data) => onMessage({ seq, subject, data })
  })
})

/** Messages of a followed stream, each as `follow`'s `keep` made it, taken in batches. */
export interface MessageBatches<A> {
  /**
   * Waits until at least `min` messages are buffered, or until the clock passes
   * `until` (epoch ms; undefined: no limit), then takes up to `max` of them in order
   * (none when the wait ran out empty). Fails when the connection or consumer failed.
   */
  readonly take: (min: number, max: number, until: number | undefined) => Effect.Effect<ReadonlyArray<A>, NatsRequestFailed>
}

/**
 * Follows a stream in order from `startSeq` (default: its first message) for the
 * current scope, by reading what is new every `pollMs` in ranges: through the bulk
 * reader (no acks, no client objects per message; an ordered consumer only when that
 * read fails), up to `highWater` buffered messages, so a large backlog is never read
 * into memory at once. The sealer follows every entry of the audit trail in the same
 * process as the audit writers: read through an ordered consumer, that cost the
 * pipeline a tenth of its throughput (`pnpm bench audit`, sealing on against off).
 *
 * What is buffered is what `keep` makes of each message, not the message: the sealer needs
 * only an entry's leaf hash, and a trail's entries of device events hold every event's bytes
 * (tens of kilobytes each), so `highWater` copies of them held the audit service's resident
 * memory above its budget long after they were sealed (docs/benchmarks/2026-12-08-…).
 */
export const followInBatches = Effect.fn("Audit.followInBatches")(function*<A>(options: {
  readonly stream: string
  readonly startSeq: number | undefined
  readonly highWater: number
  readonly pollMs?: number
  /**
   * When the stream was created: followed from here on, a stream created at another time
   * (deleted and re-created), or one that now ends before what was read, fails the reader
   * instead of being read on as if it were the same stream.
   */
  readonly created?: string
  /** What to buffer of a message; `data` is a view into a buffer the reader reuses, valid only during the call. */
  readonly keep: (seq: number, subject: string, data: Uint8Array) => A
}) {
  // Each read opens a connection and a consumer (a few ms of CPU here and in nats-server):
  // one a quarter second costs about a microsecond per entry at pipeline rates.
  const pollMs = options.pollMs ?? 250
  const buffer: Array<A> = []
  let next = options.startSeq ?? 1
  let failure: NatsRequestFailed | undefined
  let wake: (() => void) | undefined
  let room: (() => void) | undefined
  const notify = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  // A range may be handed over in part before its read fails: the retry starts after it.
  const keep = (seq: number, subject: string, data: Uint8Array) => {
    if (seq < next) return
    buffer.push(options.keep(seq, subject, data))
    next = seq + 1
  }
  const waitForRoom = Effect.callback<void>((done) => {
    room = () => done(Effect.void)
    return Effect.sync(() => {
      room = undefined
    })
  })

  const readNew = Effect.gen(function*() {
    if (buffer.length >= options.highWater) return yield* waitForRoom
    const bounds = yield* streamBounds(options.stream)
    if ((options.created !== undefined && bounds.created !== options.created) || bounds.lastSeq < next - 1) {
      return yield* new NatsRequestFailed({
        operation: `follow ${options.stream}`,
        message: `the stream went backwards: created ${bounds.created}, ends at ${bounds.lastSeq}, after ${next - 1} was read`
      })
    }
    // Entries before the stream's first (a retention limit) are gone; the sealer says so in its chain.
    if (bounds.firstSeq > next) next = bounds.firstSeq
    if (bounds.lastSeq < next) return yield* Effect.sleep(pollMs)
    const range = { stream: options.stream, fromSeq: next, toSeq: Math.min(bounds.lastSeq, next + options.highWater - buffer.length - 1) }
    yield* bulkReadRange({ ...range, onMessage: keep }).pipe(
      Effect.catch((error) =>
        Effect.logDebug(`bulk read of ${options.stream} failed (${error.message}); reading through an ordered consumer`).pipe(
          Effect.andThen(readStreamRange({ ...range, fromSeq: next, onMessage: (m) => keep(m.seq, m.subject, m.data) }))
        )
      )
    )
    notify()
    // Caught up with what was there: the next read waits its turn. Read again at once, each read
    // finding the few entries written meanwhile, the sealer opened connections and consumers back
    // to back for as long as the pipeline ran (13.7 % of its throughput in `pnpm bench audit`).
    if (range.toSeq >= bounds.lastSeq) yield* Effect.sleep(pollMs)
  })
  yield* Effect.forkScoped(
    Effect.forever(readNew).pipe(
      Effect.catch((error) =>
        Effect.sync(() => {
          failure = error
          notify()
        })
      )
    )
  )

  const waitForMore = (until: number | undefined) =>
    Effect.callback<void>((done) => {
      wake = () => done(Effect.void)
      const timer = until === undefined ? undefined : setTimeout(notify, Math.max(0, until - Date.now()))
      return Effect.sync(() => {
        wake = undefined
        if (timer !== undefined) clearTimeout(timer)
      })
    })

  // Untraced: taken batch after batch for as long as the sealer runs.
  const take = Effect.fnUntraced(function*(min: number, max: number, until: number | undefined): Effect.fn.Return<ReadonlyArray<A>, NatsRequestFailed> {
    while (true) {
      // Wall-clock time, as waitForMore's setTimeout is.
      if (buffer.length >= min || (until !== undefined && Date.now() >= until)) {
        const out = buffer.splice(0, max)
        const r = room
        room = undefined
        r?.()
        return out
      }
      if (failure !== undefined) return yield* failure
      yield* waitForMore(until)
    }
  })

  return { take } satisfies MessageBatches<A>
})
