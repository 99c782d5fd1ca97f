import { canonicalJsonBytes, GenesisSealHash, leafHash, makeSeal, type SealKey, sealHash } from "@wt/audit-chain"
import { Streams } from "@wt/contracts"
import { publishRaw } from "@wt/nats"
import { Cause, Clock, Config, Duration, Effect, Exit, Metric, Option, Schema } from "effect"
import { readLastSeal } from "./seal-store.ts"
import { SealedStream, SealStream, sealMsgId } from "./seal-stream.ts"
import { followInBatches, type RawMessage } from "./stream-reader.ts"

export interface SealerSettings {
  /** Entries per seal at most (`WT_AUDIT_SEAL_SIZE`, default 1000). */
  readonly sealSize: number
  /** Longest an entry waits unsealed (`WT_AUDIT_SEAL_INTERVAL`, default 5 s). */
  readonly sealEveryMs: number
}

export const sealerSettingsConfig = Config.all({
  sealSize: Config.Int("WT_AUDIT_SEAL_SIZE").pipe(Config.withDefault(1000)),
  sealEveryMs: Config.Duration("WT_AUDIT_SEAL_INTERVAL").pipe(Config.map(Duration.toMillis), Config.withDefault(5000))
})

/** Someone else sealed first (another copy of the service): sealing resumes from their seal. */
export class SealRace extends Schema.TaggedError<SealRace>()("SealRace", { message: Schema.String }) {}

export const sealedEntriesTotal = Metric.counter("wt_audit_sealed_entries_total", {
  description: "Audit entries this process sealed",
  incremental: true
})
export const lastSealedSeq = Metric.gauge("wt_audit_last_sealed_seq", { description: "Last WT_AUDIT sequence sealed by this process" })

/** Splits messages at gaps in their sequence, so every seal covers a contiguous range. */
const contiguousRuns = (batch: ReadonlyArray<RawMessage>): ReadonlyArray<ReadonlyArray<RawMessage>> => {
  const runs: Array<Array<RawMessage>> = []
  for (const m of batch) {
    const run = runs.at(-1)
    if (run !== undefined && run.at(-1)!.seq + 1 === m.seq) run.push(m)
    else runs.push([m])
  }
  return runs
}

/**
 * One sealing session: resume after the newest seal, follow WT_AUDIT in order, and
 * publish a seal every `sealSize` entries or `sealEveryMs` after the oldest unsealed
 * entry arrived. Each seal is published with expected-last-subject-sequence = the
 * seal it links to, so of two copies only one can extend the chain; the other
 * fails with `SealRace` and starts over from the winner's seal.
 */
const sealingSession = (key: SealKey, settings: SealerSettings) =>
  Effect.scoped(Effect.gen(function*() {
    const last = yield* readLastSeal()
    let prevHash = Option.match(last, { onNone: () => GenesisSealHash, onSome: (s) => sealHash(s.seal) })
    let subjectSeq = Option.match(last, { onNone: () => 0, onSome: (s) => s.streamSeq })
    let next = Option.match(last, { onNone: () => undefined as number | undefined, onSome: (s) => s.seal.toSeq + 1 })

    const publishSeal = Effect.fnUntraced(function*(run: ReadonlyArray<RawMessage>) {
      const fromSeq = run[0]!.seq
      if (next !== undefined && fromSeq !== next) {
        // Entries vanished before they were sealed (a retention limit on WT_AUDIT): the
        // chain says so, since this seal will not continue the previous one.
        yield* Effect.logError("audit entries missing before they were sealed").pipe(Effect.annotateLogs({ from: next, to: fromSeq - 1 }))
      }
      const seal = makeSeal({
        stream: SealedStream,
        fromSeq,
        leaves: run.map((m) => leafHash(m.seq, m.data)),
        prevSealHash: prevHash,
        sealedAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
        key
      })
      const published = yield* publishRaw(SealStream.sealSubject, canonicalJsonBytes(seal), {
        msgId: sealMsgId(seal.fromSeq, seal.toSeq),
        expectedLastSubjectSequence: subjectSeq
      }).pipe(
        Effect.catchTag("WrongLastSequence", () => Effect.fail(new SealRace({ message: `another seal was stored after seal ${subjectSeq}` })))
      )
      if (published.duplicate) return yield* new SealRace({ message: `seal ${seal.fromSeq}-${seal.toSeq} was already stored` })
      subjectSeq = published.seq
      prevHash = sealHash(seal)
      next = seal.toSeq + 1
      yield* Metric.update(sealedEntriesTotal, run.length)
      yield* Metric.update(lastSealedSeq, seal.toSeq)
      yield* Effect.logDebug("sealed").pipe(Effect.annotateLogs({ from: seal.fromSeq, to: seal.toSeq }))
    })

    const batches = yield* followInBatches({ stream: Streams.audit, startSeq: next, highWater: settings.sealSize * 4 })
    while (true) {
      const batch = [...(yield* batches.take(1, settings.sealSize, undefined))]
      // Wall-clock time, as the batch reader's timer is.
      const deadline = Date.now() + settings.sealEveryMs
      while (batch.length < settings.sealSize) {
        const wanted = settings.sealSize - batch.length
        const more = yield* batches.take(wanted, wanted, deadline)
        if (more.length === 0) break
        batch.push(...more)
      }
      for (const run of contiguousRuns(batch)) yield* publishSeal(run)
    }
  }))

/**
 * Seals WT_AUDIT until interrupted. A session that ends (a lost race, a lost
 * connection) is started again from the newest stored seal, so nothing is sealed
 * twice and nothing is skipped.
 */
export const runSealer = (key: SealKey, settings: SealerSettings) =>
  Effect.gen(function*() {
    while (true) {
      const exit = yield* Effect.exit(sealingSession(key, settings))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      if (error instanceof SealRace) {
        yield* Effect.logInfo(`sealing resumes from the newest seal: ${error.message}`)
        continue
      }
      yield* Effect.logWarning(`sealing stopped (${error instanceof Error ? error.message : String(error)}); resuming from the newest seal`)
      yield* Effect.sleep("1 second")
    }
  })
