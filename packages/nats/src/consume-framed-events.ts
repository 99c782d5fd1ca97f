import type { MsgHdrs } from "@nats-io/transport-node"
import type { DeadLetterSource } from "@wt/contracts"
import { Cause, Effect, Exit, Metric, Result } from "effect"
import { decodeJson, type WireSchema } from "./codec.ts"
import { consume, type DeliverFrom, type MessageMeta } from "./consume.ts"
import { deadLetterStored } from "./dead-letters.ts"
import { decodeDeviceFrame, type FramedEvent } from "./device-frame.ts"
import type { FramedLane } from "./device-frame-writer.ts"
import { failureText, isTransientCause } from "./delivery-verdict.ts"
import { DeviceFramesStream } from "./installation.ts"

export interface FramedEventsOptions<A, E, R> {
  readonly lane: FramedLane
  /** The durable on the lane's frames; copies of a service share it and split the frames. */
  readonly durable: string
  /** Names the dead letters of events that cannot be read or keep failing (`wt.dlq.<source>`). */
  readonly source: DeadLetterSource
  /** What each framed event's bytes must be. */
  readonly schema: WireSchema<A>
  /** Events of one frame handled at once. */
  readonly concurrency: number
  /** Frames handled at once; default 2. */
  readonly frames?: number
  /** Where a new durable starts (frameReaderStart); an existing one keeps its position. */
  readonly deliverPolicy?: DeliverFrom
  readonly handler: (event: A, meta: MessageMeta) => Effect.Effect<void, E, R>
  /** Takes an event without an effect where it can: true when it is handled. Must not throw. */
  readonly handleNow?: (event: A, meta: MessageMeta) => boolean
  /** Attempts of an event failing by its own fault before it alone is dead-lettered; default 3. */
  readonly attempts?: number
}

/** A framed event's meta, as a message of its own would have had it. */
class FramedEventMeta implements MessageMeta {
  readonly subject: string
  readonly streamSeq: number
  readonly storedAtMs: number
  readonly raw: Uint8Array
  readonly deliveries: number
  readonly pending = 0
  readonly headers: MsgHdrs | undefined = undefined
  constructor(event: FramedEvent, deliveries: number) {
    this.subject = event.subject
    this.streamSeq = event.seq
    this.storedAtMs = event.storedAtMs
    this.raw = event.data
    this.deliveries = deliveries
  }
}

const framedEvents = Metric.counter("wt_framed_events_total", {
  description: "Events of device frames a reader has settled (handled, or dead-lettered alone), by durable and lane",
  incremental: true
})

/** Counts a frame's events once the reader has settled them all: its progress in events, where its durable counts frames. */
export const framedEventsSettled = (durable: string, lane: FramedLane) => {
  const counter = Metric.withAttributes(framedEvents, { durable, lane })
  return (count: number) => Metric.update(counter, count)
}

/** Pauses between an event's failed attempts in one handling of its frame. */
const Backoff = [250, 1_000]

/** How long a frame may take before it counts as failed and comes back (a few hundred events). */
export const FrameAckWaitMs = 10_000

/**
 * The durable on one lane's frames as `consume` sizes it for `frames` at once, so that a reader
 * moving to frames can make it before its old durable goes (moveToFrames) and `consume` finds
 * nothing to change.
 */
export const frameConsumer = (lane: FramedLane, durable: string, frames: number) => ({
  stream: DeviceFramesStream.name,
  durable,
  filterSubject: DeviceFramesStream.subject(lane),
  ackWaitMs: FrameAckWaitMs,
  maxAckPending: Math.max(128, frames * 32)
})


/**
 * Reads one bulk lane's device frames through a durable and hands each event on as if it had
 * come in a message of its own (its sequence, subject, time and bytes as stored; the frame's
 * delivery count): `handleNow` where it takes it, else `handler`, `concurrency` at once. The frame
 * is acknowledged once every event in it is handled or dead-lettered, so a crash hands the whole
 * frame back and its events are handled again (as an unacknowledged message's would be).
 *
 * One event never holds up its frame's others for good: bytes that are no event are dead-lettered
 * at once with the reason; an event whose handler keeps failing by its own fault is dead-lettered
 * alone after `attempts`. A failure because NATS or the database is away fails the frame, which
 * comes back after the consumer's backoff, as a message's would.
 */
export const consumeFramedEvents = <A, E, R>(options: FramedEventsOptions<A, E, R>) => {
  const attempts = Math.max(1, options.attempts ?? 3)
  const deadLetter = (event: FramedEvent, deliveries: number, reason: string, reasonKind: string) =>
    deadLetterStored(options.source, event, { deliveries, reason, reasonKind, msgId: `${options.source}:framed:${event.seq}:${reasonKind}` })
  // Untraced: per event, on the hot path of every event the handleNow did not take.
  const handleOne = Effect.fnUntraced(function*(value: A, meta: MessageMeta, event: FramedEvent) {
    for (let attempt = 1;; attempt++) {
      const exit = yield* Effect.exit(options.handler(value, meta))
      if (Exit.isSuccess(exit)) return
      if (Cause.hasInterrupts(exit.cause) || isTransientCause(exit.cause)) return yield* Effect.failCause(exit.cause)
      if (attempt >= attempts) {
        yield* Effect.logWarning(`${options.durable}: event ${event.seq} failed ${attempts} times; dead-lettered alone`)
        return yield* deadLetter(event, meta.deliveries, `failed ${attempts} times: ${failureText(exit.cause)}`, "max_deliver")
      }
      yield* Effect.sleep(Backoff[Math.min(attempt, Backoff.length) - 1]!)
    }
  })
  const frames = options.frames ?? 2
  const settled = framedEventsSettled(options.durable, options.lane)
  const { ackWaitMs, ...setup } = frameConsumer(options.lane, options.durable, frames)
  return consume({
    ...setup,
    ackWait: ackWaitMs,
    schema: { decode: decodeDeviceFrame },
    source: options.source,
    concurrency: frames,
    ...(options.deliverPolicy === undefined ? {} : { deliverPolicy: options.deliverPolicy }),
    handler: (frame, frameMeta) =>
      Effect.suspend(() => {
        const unread: Array<ReturnType<typeof deadLetter>> = []
        const left: Array<readonly [A, MessageMeta, FramedEvent]> = []
        for (const event of frame.events) {
          const decoded = decodeJson(options.schema, event.data)
          if (Result.isFailure(decoded)) {
            unread.push(deadLetter(event, frameMeta.deliveries, decoded.failure.message, decoded.failure.kind))
            continue
          }
          const meta = new FramedEventMeta(event, frameMeta.deliveries)
          if (options.handleNow?.(decoded.success, meta) !== true) left.push([decoded.success, meta, event])
        }
        return Effect.all([
          Effect.all(unread, { concurrency: "unbounded", discard: true }),
          Effect.forEach(left, ([value, meta, event]) => handleOne(value, meta, event), { concurrency: options.concurrency, discard: true })
        ], { concurrency: 2, discard: true }).pipe(Effect.andThen(settled(frame.events.length)))
      })
  })
}
