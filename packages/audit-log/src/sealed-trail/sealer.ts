import {
  anchorOfSeal,
  anchorState,
  baselineOf,
  baselineSealStreamSeq,
  canonicalJsonBytes,
  GenesisSealHash,
  leafHash,
  makeSeal,
  type SealAnchor,
  type SealKey,
  sealHash,
  type TrailBaseline,
  trailFindings
} from "@wt/audit-chain"
import { Streams } from "@wt/contracts"
import { NatsRequestFailed, publishRaw } from "@wt/nats"
import { Cause, Clock, Config, Duration, Effect, Exit, Metric, Option, Schedule, Schema } from "effect"
import { appendAnchor, readAnchors } from "./anchor-file.ts"
import type { AnchorHook } from "./anchor-hook.ts"
import { readLastSeal } from "./seal-store.ts"
import { SealedStream, SealStream, sealMsgId } from "./seal-stream.ts"
import { followInBatches } from "./stream-reader.ts"
import { observeTrail, TrailBroken, trailBreaksTotal, trailBroken } from "./trail-check.ts"

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

/** Where the sealer anchors its seals outside NATS, and how often it checks the trail against them. */
export interface Anchoring {
  /** The anchors file (see anchor-file.ts); none: this process remembers its own last seal only. */
  readonly file?: string
  readonly hook?: AnchorHook
  /** `WT_AUDIT_TRAIL_CHECK_INTERVAL`, default 5 s: while sealing, and while refusing to. */
  readonly checkEveryMs?: number
}

export const trailCheckIntervalConfig = Config.Duration("WT_AUDIT_TRAIL_CHECK_INTERVAL").pipe(
  Config.map(Duration.toMillis),
  Config.withDefault(5000)
)

/** The newest anchors are at the end of the file; a quarter megabyte holds hundreds of them. */
const AnchorTailBytes = 256 * 1024

const anchorWriteFailures = Metric.counter("wt_audit_anchor_write_failures_total", {
  description: "Seal anchors that could not be appended to the anchors file",
  incremental: true
})

/** Someone else sealed first (another copy of the service): sealing resumes from their seal. */
export class SealRace extends Schema.TaggedError<SealRace>()("SealRace", { message: Schema.String }) {}

export const sealedEntriesTotal = Metric.counter("wt_audit_sealed_entries_total", {
  description: "Audit entries this process sealed",
  incremental: true
})
export const lastSealedSeq = Metric.gauge("wt_audit_last_sealed_seq", { description: "Last WT_AUDIT sequence sealed by this process" })

/** An entry of the trail as a seal needs it: where it is and its leaf hash, not its bytes. */
interface SealedLeaf {
  readonly seq: number
  readonly leaf: Uint8Array
}

const sealedLeaf = (seq: number, _subject: string, data: Uint8Array): SealedLeaf => ({ seq, leaf: leafHash(seq, data) })

/** Splits entries at gaps in their sequence, so every seal covers a contiguous range. */
const contiguousRuns = (batch: ReadonlyArray<SealedLeaf>): ReadonlyArray<ReadonlyArray<SealedLeaf>> => {
  const runs: Array<Array<SealedLeaf>> = []
  for (const m of batch) {
    const run = runs.at(-1)
    if (run !== undefined && run.at(-1)!.seq + 1 === m.seq) run.push(m)
    else runs.push([m])
  }
  return runs
}

/** What every session shares: the newest seal this process stored, as anchored. */
interface SealerMemory {
  ownLast: SealAnchor | undefined
}

/**
 * The trail as the anchors (the file's and this process's own) say it should be, and what
 * JetStream holds now; fails with {@link TrailBroken} when the trail went backwards.
 */
const checkTrail = Effect.fnUntraced(function*(anchoring: Anchoring, memory: SealerMemory) {
  const state = anchorState(anchoring.file === undefined ? [] : (yield* readAnchors(anchoring.file, AnchorTailBytes)).records, SealedStream)
  const baseline = baselineOf(state, memory.ownLast)
  // What this process sealed before an acknowledgment no longer binds it.
  if (baseline?._tag === "Acknowledged") memory.ownLast = undefined
  const observed = yield* observeTrail(baselineSealStreamSeq(baseline))
  const findings = trailFindings(baseline, observed)
  if (findings.length > 0) return yield* new TrailBroken({ findings })
  return { baseline, observed }
})

/**
 * Waits until the trail is as its anchors say: while it is not, says so (the gauge, an error
 * in the log when the findings change and once a minute) and seals nothing, because a seal
 * now would start a new chain on top of the deleted one. An operator's acknowledgment in the
 * anchors file (`wt audit acknowledge`) is what lets it go on.
 */
const untilTrailHolds = Effect.fn("Sealer.untilTrailHolds")(function*(anchoring: Anchoring, memory: SealerMemory) {
  let reported: string | undefined
  let reportedAt = 0
  const report = Effect.fnUntraced(function*(broken: TrailBroken) {
    const text = broken.message
    const now = yield* Clock.currentTimeMillis
    if (reported === undefined) yield* Metric.update(trailBreaksTotal, 1)
    yield* Metric.update(trailBroken, 1)
    if (text !== reported || now - reportedAt >= 60_000) {
      yield* Effect.logError(
        `audit trail broken: ${text}. Sealing is refused: a seal now would start a new chain over the deleted one. Verify with \`wt audit verify\`; to go on with the trail as it is, an operator runs \`wt audit acknowledge --reason …\` (docs/audit-integrity.md)`
      )
      reported = text
      reportedAt = now
    }
  })
  // Checked again every checkEveryMs while broken; any other failure ends the wait.
  const holds = yield* checkTrail(anchoring, memory).pipe(
    Effect.tapError((error) => (error instanceof TrailBroken ? report(error) : Effect.void)),
    Effect.retry({ schedule: Schedule.spaced(anchoring.checkEveryMs ?? 5000), while: (error) => error instanceof TrailBroken })
  )
  if (reported !== undefined) {
    yield* Metric.update(trailBroken, 0)
    yield* Effect.logWarning("the audit trail matches its anchors again (acknowledged by an operator, or restored); sealing resumes")
  }
  return holds
})

/**
 * One sealing session: resume after the newest seal, follow WT_AUDIT in order, and
 * publish a seal every `sealSize` entries or `sealEveryMs` after the oldest unsealed
 * entry arrived. Each seal is published with expected-last-subject-sequence = the
 * seal it links to, so of two copies only one can extend the chain; the other
 * fails with `SealRace` and starts over from the winner's seal. Each stored seal is
 * anchored (the file, the hook); the trail is checked against the newest anchor every
 * `checkEveryMs`, and the session fails with {@link TrailBroken} when it went backwards.
 */
const sealingSession = (key: SealKey, settings: SealerSettings, anchoring: Anchoring, memory: SealerMemory, start: {
  readonly baseline: TrailBaseline | undefined
  readonly streamCreated: string
}) =>
  Effect.scoped(Effect.gen(function*() {
    const last = yield* readLastSeal()
    let prevHash = Option.match(last, { onNone: () => GenesisSealHash, onSome: (s) => sealHash(s.seal) })
    let subjectSeq = Option.match(last, { onNone: () => 0, onSome: (s) => s.streamSeq })
    let next = Option.match(last, { onNone: () => undefined as number | undefined, onSome: (s) => s.seal.toSeq + 1 })

    const anchor = Effect.fnUntraced(function*(record: SealAnchor) {
      memory.ownLast = record
      if (anchoring.file !== undefined) {
        yield* appendAnchor(anchoring.file, record).pipe(
          Effect.catch((error) =>
            Metric.update(anchorWriteFailures, 1).pipe(Effect.andThen(Effect.logError(`seal not anchored: ${error.message}`)))
          )
        )
      }
      if (anchoring.hook !== undefined) yield* anchoring.hook.offer(record)
    })

    const publishSeal = Effect.fnUntraced(function*(run: ReadonlyArray<SealedLeaf>) {
      const fromSeq = run[0]!.seq
      if (next !== undefined && fromSeq !== next) {
        // Entries vanished before they were sealed (a retention limit on WT_AUDIT): the
        // chain says so, since this seal will not continue the previous one.
        yield* Effect.logError("audit entries missing before they were sealed").pipe(Effect.annotateLogs({ from: next, to: fromSeq - 1 }))
      }
      const sealedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
      const seal = makeSeal({
        stream: SealedStream,
        fromSeq,
        leaves: run.map((m) => m.leaf),
        prevSealHash: prevHash,
        sealedAt,
        key
      })
      const published = yield* publishRaw(SealStream.sealSubject, canonicalJsonBytes(seal), {
        msgId: sealMsgId(subjectSeq),
        expectedLastSubjectSequence: subjectSeq
      }).pipe(
        Effect.catchTag("WrongLastSequence", () => Effect.fail(new SealRace({ message: `another seal was stored after seal ${subjectSeq}` })))
      )
      if (published.duplicate) return yield* new SealRace({ message: `a seal after #${subjectSeq} was already stored` })
      subjectSeq = published.seq
      prevHash = sealHash(seal)
      next = seal.toSeq + 1
      yield* anchor(anchorOfSeal(seal, { sealStreamSeq: published.seq, streamCreated: start.streamCreated, anchoredAt: sealedAt }))
      yield* Metric.update(sealedEntriesTotal, run.length)
      yield* Metric.update(lastSealedSeq, seal.toSeq)
      yield* Effect.logDebug("sealed").pipe(Effect.annotateLogs({ from: seal.fromSeq, to: seal.toSeq }))
    })

    const sealing = Effect.gen(function*() {
      const batches = yield* followInBatches({ stream: Streams.audit, startSeq: next, highWater: settings.sealSize * 4, created: start.streamCreated, keep: sealedLeaf })
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
    })
    // The streams can be deleted under a running sealer, with nothing new to seal to notice it by.
    const look = Effect.gen(function*() {
      const baseline = memory.ownLast === undefined ? start.baseline : { _tag: "Anchored" as const, anchor: memory.ownLast }
      const findings = trailFindings(baseline, yield* observeTrail(baselineSealStreamSeq(baseline)))
      if (findings.length > 0) return yield* new TrailBroken({ findings })
    })
    // Every checkEveryMs, the first after one interval, until a look finds the trail broken.
    const watching = Effect.schedule(look, Schedule.spaced(anchoring.checkEveryMs ?? 5000))
    return yield* Effect.raceFirst(sealing, watching)
  }))

/**
 * Seals WT_AUDIT until interrupted. A session that ends (a lost race, a lost
 * connection) is started again from the newest stored seal, so nothing is sealed
 * twice and nothing is skipped; but never before the trail is checked against its
 * anchors, so a trail deleted and re-created is not silently sealed afresh.
 *
 * Untraced: it runs for the life of the process, and a span here would be the parent of every span under it.
 */
export const runSealer = Effect.fnUntraced(function*(key: SealKey, settings: SealerSettings, anchoring: Anchoring = {}) {
  const memory: SealerMemory = { ownLast: undefined }
  // Present from the start, so an alert rule sees 0 rather than nothing.
  yield* Metric.update(trailBroken, 0)
  // Round after round until interrupted: a lost race or a broken trail starts the next at once, anything else after a second.
  const round = Effect.gen(function*() {
    const exit = yield* Effect.exit(
      untilTrailHolds(anchoring, memory).pipe(
        Effect.flatMap(({ baseline, observed }) =>
          observed.stream === undefined
            ? Effect.fail(new NatsRequestFailed({ operation: `info ${SealedStream}`, message: "the stream does not exist" }))
            : sealingSession(key, settings, anchoring, memory, { baseline, streamCreated: observed.stream.created })
        )
      )
    )
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    if (error instanceof SealRace) {
      yield* Effect.logInfo(`sealing resumes from the newest seal: ${error.message}`)
      return
    }
    // Said by untilTrailHolds, which the next round starts with.
    if (error instanceof TrailBroken) return
    yield* Effect.logWarning(`sealing stopped (${error instanceof Error ? error.message : String(error)}); resuming from the newest seal`)
    yield* Effect.sleep("1 second")
  })
  return yield* Effect.forever(round)
})
