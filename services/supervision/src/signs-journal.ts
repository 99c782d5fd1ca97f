import { randomUUID } from "node:crypto"
import { Context, Deferred, Effect, Layer, Schedule } from "effect"
import { ensureStream, follow, Nats, NatsConfig, publishEvent, SignsOfLifeStream, signsOfLifeStreamSpec } from "@wt/nats"
import { pagesOf, type Sign, SignsOfLifePage } from "@wt/supervision"

// At most 200 bytes a sign, a page stays within NATS's default 1 MB message.
const PageSize = 5_000

// Pages read ahead: in a storm a page is a few hundred kilobytes, and 256 of them (the reader's
// default) were tens of megabytes waiting in a process already near its heap cap.
const PagesAhead = 16

/**
 * The newest sign of life of each device that any supervision copy heard from and KV does not
 * hold yet, read from the journal (`WT_SIGNS_OF_LIFE`) that every copy writes once per flush.
 * A starting copy reads the journal's whole half hour before `loaded` succeeds.
 */
export class SignsJournal extends Context.Service<SignsJournal, {
  readonly newest: (key: string) => Sign | undefined
  readonly entries: () => IterableIterator<readonly [string, Sign]>
  /**
   * Stored in the journal for every copy, with the position each followed lane was read through
   * when the signs were taken; known to this one at once. Fails when a page is not stored.
   */
  readonly publish: (signs: ReadonlyArray<readonly [string, Sign]>, through?: Readonly<Record<string, number>>) => Effect.Effect<void, { readonly message: string }>
  /** The highest position any copy's page gave for the lane, as read so far; undefined when none did. */
  readonly readThrough: (lane: string) => number | undefined
  /** When the journal's last page was stored, as the stream said at start (it remembers after the page ages out); undefined for an empty one. */
  readonly lastPageAtStartMs: number | undefined
  /** Calls `listener` with each key that has a newer sign in the journal, after it is kept. */
  readonly onNewer: (listener: (key: string) => void) => void
  /** KV holds the sign or a newer one: the journal need not keep it in memory. */
  readonly forget: (key: string, atMs: number) => void
  /** Succeeds once the journal as it stood at start is read. */
  readonly loaded: Effect.Effect<void>
}>()("wt/SignsJournal") {
  static readonly layer = Layer.effect(
    SignsJournal,
    Effect.gen(function*() {
      const nats = yield* Nats
      yield* ensureStream(signsOfLifeStreamSpec(yield* NatsConfig))
      const heard = new Map<string, Sign>()
      const positions = new Map<string, number>()
      const advance = (through: Readonly<Record<string, number>> | undefined) => {
        if (through === undefined) return
        for (const lane in through) {
          const seq = through[lane]!
          if (seq > (positions.get(lane) ?? 0)) positions.set(lane, seq)
        }
      }
      const listeners: Array<(key: string) => void> = []
      const take = (key: string, atMs: number, intervalS: number) => {
        const current = heard.get(key)
        if (current !== undefined && current.atMs >= atMs) return
        heard.set(key, { atMs, intervalS })
        for (const listener of listeners) listener(key)
      }

      // Pages go out under this copy's own subject, and it passes over them as it reads: what it
      // publishes it knows at once (`publish`), and decoding its own pages again was a second
      // decode of every sign of life it heard.
      const copy = randomUUID()
      const ownSubject = SignsOfLifeStream.subjectOf(copy)
      const loaded = yield* Deferred.make<void>()
      const atStart = (yield* nats.streamInfo(SignsOfLifeStream.name)).state
      const readToSeq = atStart.messages === 0 ? 0 : atStart.last_seq
      const lastPageAtStartMs = atStart.last_seq > 0 ? Date.parse(atStart.last_ts) : Number.NaN
      if (readToSeq === 0) yield* Deferred.succeed(loaded, undefined)

      yield* Effect.forkScoped(follow({
        stream: SignsOfLifeStream.name,
        filterSubject: SignsOfLifeStream.subjects,
        schema: SignsOfLifePage,
        skip: (subject) => subject === ownSubject,
        pullAhead: PagesAhead,
        handler: (page, meta) =>
          Effect.suspend(() => {
            for (const [key, atMs, intervalS] of page.signs) take(key, atMs, intervalS)
            advance(page.through)
            return meta.streamSeq >= readToSeq ? Deferred.succeed(loaded, undefined) : Effect.void
          })
      }))
      // The pages waited for may have aged out of the journal before they were read.
      yield* Effect.forkScoped(
        nats.streamInfo(SignsOfLifeStream.name).pipe(
          Effect.flatMap((info) =>
            info.state.messages === 0 || info.state.first_seq > readToSeq ? Deferred.succeed(loaded, undefined) : Effect.void
          ),
          Effect.ignore,
          Effect.repeat({ schedule: Schedule.spaced("1 second"), until: () => Deferred.isDoneUnsafe(loaded) })
        )
      )

      // A page is de-duplicated by its id when a publish is retried; a page published again by a
      // later flush (the first one's answer lost) is harmless: the newest sign wins.
      let pageSeq = 0
      const publish = (signs: ReadonlyArray<readonly [string, Sign]>, through?: Readonly<Record<string, number>>) =>
        Effect.forEach(
          pagesOf(signs, PageSize, through),
          (page) => publishEvent(ownSubject, SignsOfLifePage, page, { msgId: `${copy}.${++pageSeq}` }),
          { discard: true }
        ).pipe(
          Effect.provideService(Nats, nats),
          Effect.andThen(Effect.sync(() => {
            for (const [key, sign] of signs) take(key, sign.atMs, sign.intervalS)
            advance(through)
          }))
        )

      return SignsJournal.of({
        newest: (key) => heard.get(key),
        entries: () => heard.entries(),
        publish,
        readThrough: (lane) => positions.get(lane),
        onNewer: (listener) => void listeners.push(listener),
        lastPageAtStartMs: Number.isFinite(lastPageAtStartMs) ? lastPageAtStartMs : undefined,
        forget: (key, atMs) => {
          if ((heard.get(key)?.atMs ?? Infinity) <= atMs) heard.delete(key)
        },
        loaded: Deferred.await(loaded)
      })
    })
  )
}
