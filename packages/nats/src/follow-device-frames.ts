import { Streams } from "@wt/contracts"
import { Effect, Option, Result } from "effect"
import { Nats } from "./connection.ts"
import { consumerCounters } from "./consumer-metrics.ts"
import { decodeDeviceFrame, type FramedEvent } from "./device-frame.ts"
import { frameReaderStart, markFramesStart } from "./device-frame-start.ts"
import type { FramedLane } from "./device-frame-writer.ts"
import type { NatsRequestFailed, PublishFailed, WrongLastSequence } from "./errors.ts"
import { followPushed, type FollowPushedOptions } from "./follow-pushed.ts"
import { type FramedThrough, listenFramedThrough } from "./framed-through.ts"
import { DeviceFramesStream } from "./installation.ts"
import { readLastOnSubject } from "./read.ts"

/*
 * A reader that keeps its own position (supervision: the journal holds the WT_DEVICE sequence its
 * signs of life were read through) follows a bulk lane's frames instead of the lane itself: one
 * pushed message per few hundred events instead of one per event, for the server and for it
 * (decision 24, docs/device-frames.md). Its position stays a WT_DEVICE sequence, so it can move
 * between the lane and its frames in either direction.
 */

export interface FollowDeviceFramesOptions extends Pick<FollowPushedOptions, "onLost"> {
  /**
   * Names the reader in logs and in `wt_consumer_messages_total`: its frames under the frames
   * stream, its events under WT_DEVICE (as when it followed the lane, so progress reads the same).
   */
  readonly reader: string
  readonly lane: FramedLane
  /**
   * The first WT_DEVICE sequence to hand on (earlier events of the first frame are skipped), or a
   * time: every event stored since comes, with some stored a little before (those of the first
   * frame stored since).
   */
  readonly from: { readonly seq: number } | { readonly timeMs: number }
  /** Once a session is open: how many frames it has to deliver before it is caught up. */
  readonly onOpened: (pendingFrames: number) => void
  /**
   * Each event from `from` on, in order, once; must not throw. `pendingFrames`: frames the server
   * still had to deliver after this one's. Called in the connection's read callback: keep it short.
   */
  readonly onEvent: (event: FramedEvent, pendingFrames: number) => void
  /** A frame that does not decode (a writer of another version): its events are not handed on. */
  readonly onUnreadable: (message: string) => void
  /**
   * Each mark a writer says of how far the lane is framed (framed-through.ts), as it comes: it may
   * name events whose frame this reader has not been handed yet.
   */
  readonly onFramedThrough: (mark: FramedThrough) => void
}

/**
 * Where a follower from WT_DEVICE sequence `fromSeq` takes up the lane's frames: at the first frame
 * holding it or a later one. While the lane has no frame yet, its position is marked first (as a
 * reader leaving its durable marks it), so that the first frame, whichever copy writes it, starts
 * no later; the follower then reads the lane's frames from their beginning.
 */
const framesStartFor = Effect.fnUntraced(function*(reader: string, lane: FramedLane, fromSeq: number) {
  const last = yield* readLastOnSubject(DeviceFramesStream.name, DeviceFramesStream.subject(lane))
  if (Option.isNone(last)) {
    yield* markFramesStart(lane, fromSeq, reader)
    return 1
  }
  const start = yield* frameReaderStart(lane, fromSeq)
  return typeof start === "object" && "startSeq" in start ? start.startSeq : 1
})

/**
 * Follows one bulk lane's device frames from a WT_DEVICE position or a time, handing on each event as the
 * lane's own follower would (`followPushed`), in order and once, and counting them as that follower
 * counted messages. A frame that starts past where the reader expected the next event (the lane's
 * first frame written from a later position than this reader's, in the moment frames were first
 * written) is said in a warning: the events between were not read. The writers' marks of how far
 * the lane is framed come too, for as long as it follows. Runs until interrupted.
 *
 * Untraced: it runs for the life of the reader.
 */
export const followDeviceFrames = Effect.fnUntraced(function*(options: FollowDeviceFramesOptions): Effect.fn.Return<never, NatsRequestFailed | PublishFailed | WrongLastSequence, Nats> {
  const from = "seq" in options.from ? { seq: yield* framesStartFor(options.reader, options.lane, options.from.seq) } : options.from
  const events = consumerCounters(Streams.device, options.reader)
  const context = yield* Effect.context<never>()
  const run = Effect.runForkWith(context)
  // The last WT_DEVICE sequence handed on.
  let handedThrough = "seq" in options.from ? options.from.seq - 1 : 0
  return yield* Effect.scoped(Effect.andThen(listenFramedThrough(options.lane, options.onFramedThrough), followPushed({
    reader: options.reader,
    stream: DeviceFramesStream.name,
    filterSubject: DeviceFramesStream.subject(options.lane),
    from,
    onOpened: options.onOpened,
    onLost: options.onLost,
    onMessage: (msg, info) => {
      const frame = decodeDeviceFrame(msg.data)
      if (Result.isFailure(frame)) return options.onUnreadable(`${DeviceFramesStream.name} #${info.streamSeq}: ${frame.failure.message}`)
      const { from, to } = frame.success
      if (to <= handedThrough) return
      if (from > handedThrough + 1 && handedThrough > 0) {
        run(Effect.logWarning(`${options.reader}: the ${options.lane} lane's frames go on at ${from}; events ${handedThrough + 1}–${from - 1} were not read`))
      }
      let handed = 0
      for (const event of frame.success.events) {
        if (event.seq <= handedThrough) continue
        options.onEvent(event, info.pending)
        handed++
      }
      handedThrough = to
      if (handed > 0) events.handledUnsafe(context, handed)
    }
  })))
})
