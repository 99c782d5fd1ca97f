import { anchorState, baselineOf, baselineSealStreamSeq, type TrailAcknowledgment, trailFindings } from "@wt/audit-chain"
import { Effect, Schema } from "effect"
import { appendAnchor, readAnchors } from "./anchor-file.ts"
import { SealedStream } from "./seal-stream.ts"
import { observeTrail } from "./trail-check.ts"

/** There is nothing in place to acknowledge. */
export class NothingToAcknowledge extends Schema.TaggedError<NothingToAcknowledge>()("NothingToAcknowledge", { message: Schema.String }) {}

/**
 * Records an operator's decision to go on with the audit trail as it now is: the stream
 * now in place, its newest seal, and the anchor it replaces (what was lost). Appended
 * to the anchors file, where the audit service looks for it while it refuses to seal;
 * earlier anchors then no longer bind, but stay in the file, and the verifier names them.
 */
export const acknowledgeTrail = Effect.fn("Audit.acknowledgeTrail")(function*(options: {
  readonly file: string
  readonly by: string
  readonly reason: string
  readonly at: string
}) {
  const state = anchorState((yield* readAnchors(options.file)).records, SealedStream)
  const baseline = baselineOf(state, undefined)
  const observed = yield* observeTrail(baselineSealStreamSeq(baseline))
  if (observed.stream === undefined) {
    return yield* new NothingToAcknowledge({ message: `${SealedStream} does not exist; start the audit service (it creates the stream) and acknowledge then` })
  }
  // An acknowledgment resets what binds the trail: never written when nothing went wrong.
  const findings = trailFindings(baseline, observed)
  if (findings.length === 0) {
    return yield* new NothingToAcknowledge({ message: `the audit trail matches its anchors in ${options.file}; there is nothing to acknowledge` })
  }
  const latest = state.latest
  const record: TrailAcknowledgment = {
    type: "acknowledged",
    v: 1,
    stream: SealedStream,
    at: options.at,
    by: options.by,
    reason: options.reason,
    streamCreated: observed.stream.created,
    lastSeal: observed.lastSeal ?? null,
    previous: latest === undefined ? null : { toSeq: latest.toSeq, sealHash: latest.sealHash, anchoredAt: latest.anchoredAt }
  }
  yield* appendAnchor(options.file, record)
  return { record, findings }
})
