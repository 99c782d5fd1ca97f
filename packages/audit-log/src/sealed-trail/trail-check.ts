import { AuditSeal, type ObservedTrail, sealHash } from "@wt/audit-chain"
import { decodeJson, Nats, NatsRequestFailed } from "@wt/nats"
import { Effect, Metric, Option, Result, Schema } from "effect"
import { readLastSeal } from "./seal-store.ts"
import { SealedStream, SealStream } from "./seal-stream.ts"

/** The trail went backwards: sealing would start a new chain on top of a deleted one. */
export class TrailBroken extends Schema.TaggedError<TrailBroken>()("TrailBroken", {
  findings: Schema.Array(Schema.String)
}) {
  override get message() {
    return this.findings.join("; ")
  }
}

/** 1 while this process refuses to seal because the trail went backwards; see docs/audit-integrity.md. */
export const trailBroken = Metric.gauge("wt_audit_trail_broken", {
  description: "1 while the audit trail is shorter than, or not the one, its anchors say it was, and sealing is refused"
})
export const trailBreaksTotal = Metric.counter("wt_audit_trail_breaks_total", {
  description: "Times the audit service found the audit trail gone backwards against its anchors",
  incremental: true
})

const StreamNotFound = 10059

/** The sealed stream's creation time and last sequence, or undefined when it does not exist. */
const streamState = Effect.fnUntraced(function*(stream: string) {
  const nats = yield* Nats
  return yield* nats.streamInfo(stream).pipe(
    Effect.map((info) => Option.some({ created: info.created, lastSeq: info.state.last_seq })),
    Effect.catch((error) =>
      error.code === StreamNotFound
        ? Effect.succeed(Option.none<{ created: string; lastSeq: number }>())
        : Effect.fail(new NatsRequestFailed({ operation: `info ${stream}`, message: error.message }))
    )
  )
})

/** {@link sealHash} of the seal stored at `seq` in the seal stream; undefined when nothing (or no seal) is there. */
const sealHashAt = Effect.fnUntraced(function*(seq: number) {
  const nats = yield* Nats
  const stored = yield* nats.getMessage(SealStream.name, { seq }).pipe(
    Effect.map(Option.getOrNull),
    Effect.catch((error) =>
      error.code === StreamNotFound
        ? Effect.succeed(null)
        : Effect.fail(new NatsRequestFailed({ operation: `get ${SealStream.name} ${seq}`, message: error.message }))
    )
  )
  if (stored === null || stored.subject !== SealStream.sealSubject) return undefined
  const decoded = decodeJson(AuditSeal, stored.data)
  return Result.isSuccess(decoded) ? sealHash(decoded.success) : undefined
})

/**
 * What WT_AUDIT and WT_AUDIT_SEALS hold now, as far as checking them against an anchor
 * needs: a few requests, whatever the trail's length. `sealStreamSeq` is where the
 * baseline's seal should be stored.
 */
export const observeTrail = Effect.fn("Audit.observeTrail")(function*(sealStreamSeq: number | undefined) {
  const stream = yield* streamState(SealedStream)
  const seals = yield* streamState(SealStream.name)
  const last = Option.isNone(seals) ? Option.none() : yield* readLastSeal()
  const sealAtAnchor = sealStreamSeq === undefined || Option.isNone(seals) ? undefined : yield* sealHashAt(sealStreamSeq)
  return {
    stream: Option.getOrUndefined(stream),
    lastSeal: Option.match(last, {
      onNone: () => undefined,
      onSome: (s) => ({ toSeq: s.seal.toSeq, sealHash: sealHash(s.seal), sealStreamSeq: s.streamSeq })
    }),
    sealAtAnchor
  } satisfies ObservedTrail
})
