import { Effect, Metric } from "effect"
import { type DeviceEvent, laneOfEvent } from "@wt/contracts"
import { type Nats, type PublishFailed, sendDeadLetter, type WrongLastSequence } from "@wt/nats"
import { latencyHistogram, seriesOf, totalCounter } from "@wt/observability"
import { IngestLimits, limitedReason } from "./ingest-limits.ts"
import type { Verdict } from "./limit-book.ts"
import { storeDeviceEvent } from "./store-device-event.ts"

/** The protocols the receivers speak (each also a `source.via` and a dead-letter source). */
export type ReceiverProtocol = "dc09" | "scaip" | "osmand" | "webhook"

const frames = seriesOf(totalCounter("wt_receiver_frames_total", {
  description: "Frames (requests, datagrams) the protocol receivers handled, by protocol and outcome: stored, duplicate, link_test, refused kinds, not_stored"
}))
const answered = seriesOf(latencyHistogram("wt_receiver_answer_ms", {
  description: "From a frame's arrival to the answer to its sender (after JetStream stored its event), by protocol"
}))

/** Counts one frame's outcome in `wt_receiver_frames_total{protocol,outcome}`. */
export const countFrame = (protocol: ReceiverProtocol, outcome: string): Effect.Effect<void> =>
  Metric.update(frames({ protocol, outcome }), 1)

/** Records how long a sender waited for its answer, from the frame's arrival (`performance.now()`). */
export const recordAnswered = (protocol: ReceiverProtocol, arrivedAt: number): Effect.Effect<void> =>
  Effect.suspend(() => Metric.update(answered({ protocol }), performance.now() - arrivedAt))

export interface Refusal {
  readonly protocol: ReceiverProtocol
  /** A small fixed vocabulary for metrics: `bad_crc`, `unknown_account`, `malformed` … */
  readonly reasonKind: string
  /** Why, in words for the person reading the dead letter. */
  readonly reason: string
  /** The frame exactly as it arrived. */
  readonly raw: Uint8Array
  readonly tenant?: string
}

/**
 * A frame the receiver will not take: counted, and kept in WT_DLQ (`wt.dlq.<protocol>`) with its
 * reason and raw bytes. A dead letter that cannot be stored is logged, never thrown at the
 * connection: the sender gets its protocol's refusal either way.
 */
export const refuseFrame = Effect.fnUntraced(function*(refusal: Refusal): Effect.fn.Return<void, never, Nats> {
  yield* countFrame(refusal.protocol, refusal.reasonKind)
  yield* sendDeadLetter({
    source: refusal.protocol,
    reason: refusal.reason,
    reasonKind: refusal.reasonKind,
    raw: refusal.raw,
    ...(refusal.tenant === undefined ? {} : { tenant: refusal.tenant })
  }).pipe(Effect.catch((e) => Effect.logError("could not store a refused frame in WT_DLQ", e)))
})

/**
 * Stores the device event a frame carried; the sender may be answered only when this succeeds.
 * A failure to store is counted (`not_stored`) and returned: the receiver then answers as its
 * protocol says for "try again", and the frame is not acknowledged.
 */
export const acceptFrame = (protocol: ReceiverProtocol, event: DeviceEvent): Effect.Effect<{ readonly duplicate: boolean }, PublishFailed | WrongLastSequence, Nats> =>
  storeDeviceEvent(event).pipe(
    Effect.tap((stored) => countFrame(protocol, stored.duplicate ? "duplicate" : "stored")),
    Effect.tapError(() => countFrame(protocol, "not_stored"))
  )

/**
 * Weighs a frame's events against their device's budgets, lane by lane (see `IngestLimits`),
 * all of them or none. A frame over a limit is refused here: counted (`rate_limited`) and kept in
 * WT_DLQ with its bytes; the receiver then gives its protocol's "busy" answer and stores nothing.
 */
export const admitFrame = Effect.fnUntraced(function*(
  protocol: ReceiverProtocol,
  events: ReadonlyArray<DeviceEvent>,
  raw: Uint8Array
): Effect.fn.Return<Verdict, never, IngestLimits | Nats> {
  const limits = yield* IngestLimits
  const verdict = yield* limits.admit(protocol, events.map((e) => ({ tenant: e.tenant, deviceId: e.deviceId, lane: laneOfEvent(e) })))
  if (verdict._tag === "Limited") {
    yield* refuseFrame({ protocol, reasonKind: "rate_limited", reason: `${protocol} frame refused (rate_limited): ${limitedReason(verdict)}`, raw, tenant: events[0]!.tenant })
  }
  return verdict
})
