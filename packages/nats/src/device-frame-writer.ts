import { Subjects } from "@wt/contracts"
import { Buffer } from "node:buffer"
import { Config, Effect, Fiber, Metric, Option, Result, Schema } from "effect"
import { clientOf } from "./client.ts"
import { bulkFollow, FlowHold } from "./client-fast-paths/bulk-read.ts"
import { pubAcksOf } from "./client-fast-paths/pub-acks.ts"
import { Nats } from "./connection.ts"
import { decodeDeviceFrame, type DeviceFrame, encodeDeviceFrame } from "./device-frame.ts"
import { firstFrameFrom } from "./device-frame-start.ts"
import { apiErrorCode, errorMessage, type NatsRequestFailed, WrongLastSequenceCodes } from "./errors.ts"
import { followPushed } from "./follow-pushed.ts"
import { encodeFramedThrough, FramedThroughEveryMs, FramedThroughMarginMs, FramedThroughSignMs, framedThroughSubject } from "./framed-through.ts"
import { FrameGatherer, type FrameLimits } from "./frame-gatherer.ts"
import { DeviceFramesStream } from "./installation.ts"
import { readLastOnSubject } from "./read.ts"

export type FramedLane = "tech" | "telemetry"
export const FramedLanes: ReadonlyArray<FramedLane> = ["tech", "telemetry"]

/**
 * When a frame is closed (`WT_DEVICE_FRAME_EVENTS`, `_BYTES`, `_WAIT_MS`): 250 events, 512 KiB, or
 * 20 ms after its first event. The audit trail writes a frame's events as one entry per tenant,
 * so the bytes must stay well under nats-server's 1 MB message limit.
 */
export const DeviceFrameLimits: Config.Config<FrameLimits> = Config.all({
  maxEvents: Config.Int("WT_DEVICE_FRAME_EVENTS").pipe(Config.withDefault(250)),
  maxBytes: Config.Int("WT_DEVICE_FRAME_BYTES").pipe(Config.withDefault(512 * 1024)),
  maxWaitMs: Config.Int("WT_DEVICE_FRAME_WAIT_MS").pipe(Config.withDefault(20))
})

export interface DeviceFrameWriterOptions {
  readonly lane: FramedLane
  readonly limits: FrameLimits
  /** The WT_DEVICE sequence the lane's first frame starts at, asked only while the lane has no frame. */
  readonly firstFrom: Effect.Effect<number, NatsRequestFailed, Nats>
  /** Bytes of frames waiting to be stored at which reading pauses, and at which it goes on; default 8 MiB and 1 MiB. */
  readonly pauseBytes?: { readonly above: number; readonly below: number }
  /** How often a writer whose frame another wrote first looks whether that one still writes; default 5 s. */
  readonly standbyMs?: number
}

/** Why a writer's term ended; the next one starts after the lane's last stored frame. */
class TermEnded extends Schema.TaggedError<TermEnded>()("TermEnded", {
  /** Another writer stored a frame first (expected last subject sequence not met). */
  overtaken: Schema.Boolean,
  message: Schema.String
}) {}


/**
 * Bytes of closed frames waiting for the one being stored: above `pauseBytes.above` (8 MiB) the writer stops
 * reading the lane, below `pauseBytes.below` (1 MiB) it goes on. So a backlog is read no faster than frames
 * are stored. The bulk reader is held (`FlowHold`: it stops reading its socket and answering flow control):
 * its consumer stays, what is on its way waits in nats-server, and nothing is read twice. Only the client's
 * follower is stopped and made again, after the last event it was handed; wide apart, because each time
 * nats-server counts the new consumer's pending messages across the rest of the stream.
 */
const DefaultPauseBytes = { above: 8 * 1024 * 1024, below: 1024 * 1024 } as const

/** About what a frame weighs while it waits (its events' bytes and subjects). */
const frameWeight = (frame: DeviceFrame) => {
  let bytes = 0
  for (const e of frame.events) bytes += e.data.length + e.subject.length + 22
  return bytes
}

const framesWritten = Metric.counter("wt_device_frames_written_total", {
  description: "Device frames stored in WT_DEVICE_FRAMES by this process, by lane",
  incremental: true
})
const eventsFramed = Metric.counter("wt_device_frames_events_total", {
  description: "Device events in the frames this process stored, by lane",
  incremental: true
})
/** Exported for tests that hold a writer to pausing, and to never starting over. */
export const writerPauses = Metric.counter("wt_device_frame_writer_pauses_total", {
  description: "Times a frame writer stopped reading its lane while frames waited to be stored (a backlog), by lane",
  incremental: true
})

export const writerRestarts = Metric.counter("wt_device_frame_writer_restarts_total", {
  description: "Times a frame writer started over from the lane's last stored frame, by lane and why (overtaken: another copy wrote first)",
  incremental: true
})

/**
 * A service's frame writer for one bulk lane, as every writing service runs it: the limits from
 * `WT_DEVICE_FRAME_*`, the lane's first frame where its readers were (`firstFrameFrom`).
 */
export const writeLaneFrames = (lane: FramedLane) =>
  Effect.flatMap(DeviceFrameLimits, (limits) => writeDeviceFrames({ lane, limits, firstFrom: firstFrameFrom(lane) }))

/** Where the lane's frames go on: after its last stored frame, or at `firstFrom` while it has none. */
const startOf = Effect.fnUntraced(function*(options: DeviceFrameWriterOptions, subject: string) {
  const last = yield* readLastOnSubject(DeviceFramesStream.name, subject)
  if (Option.isNone(last)) return { from: yield* options.firstFrom, lastFrameSeq: 0 }
  const frame = decodeDeviceFrame(last.value.data)
  // A frame this writer cannot read was not written by it: nothing after it can be placed until someone looks.
  if (Result.isFailure(frame)) return yield* new TermEnded({ overtaken: false, message: `${subject} #${last.value.seq}: ${frame.failure.message}` })
  return { from: frame.success.to + 1, lastFrameSeq: last.value.seq }
})

/**
 * Writes one bulk lane's device events into frames (WT_DEVICE_FRAMES, `wt.frames.device.<lane>`),
 * following the lane without acknowledgements (`bulkFollow`, else `followPushed`) from the last stored frame's `to + 1`.
 * Each frame is stored only if the lane's last frame is still the one this writer knows
 * (expected last subject sequence), with `Nats-Msg-Id` `<lane>-<from>-<to>`: so frames never
 * overlap or leave a gap, whichever copies write them, and a retried publish lands once. When
 * another copy's frame came first (or the same frame: copies in step), or a publish failed, the
 * writer starts over after the last stored frame; an overtaken one first stands by until the lane's
 * frames stop coming for `standbyMs`, so that one copy writes while the others wait rather than all
 * reading every event.
 * Runs until interrupted.
 */
export const writeDeviceFrames = Effect.fnUntraced(function*(options: DeviceFrameWriterOptions): Effect.fn.Return<never, never, Nats> {
  const nats = yield* Nats
  const nc = clientOf(nats).nc
  const acks = pubAcksOf(nc, nats.access.inboxPrefix)
  const subject = DeviceFramesStream.subject(options.lane)
  const markSubject = framedThroughSubject(options.lane)
  const context = yield* Effect.context<never>()
  const written = Metric.withAttributes(framesWritten, { lane: options.lane })
  const framed = Metric.withAttributes(eventsFramed, { lane: options.lane })
  const paused = Metric.withAttributes(writerPauses, { lane: options.lane })
  const pauseBytes = options.pauseBytes ?? DefaultPauseBytes

  const term = Effect.scoped(Effect.gen(function*() {
    const start = yield* startOf(options, subject)
    const gatherer = new FrameGatherer(start.from, options.limits)
    let lastFrameSeq = start.lastFrameSeq
    // Each closed frame with its weight, weighed once.
    const queued: Array<{ readonly frame: DeviceFrame; readonly weight: number }> = []
    let queuedBytes = 0
    let storing = false
    let wait: ReturnType<typeof setTimeout> | undefined
    let ended: TermEnded | undefined
    let onEnd: ((reason: TermEnded) => void) | undefined
    const end = (reason: TermEnded) => {
      if (ended !== undefined) return
      ended = reason
      if (wait !== undefined) clearTimeout(wait)
      onEnd?.(reason)
    }
    // One frame stored at a time: each names the sequence of the one before it.
    const storeNext = () => {
      if (storing || ended !== undefined || queued.length === 0) return
      const { frame, weight } = queued[0]!
      storing = true
      acks.publishThen(
        subject,
        encodeDeviceFrame(frame),
        { msgId: `${options.lane}-${frame.from}-${frame.to}`, expectedLastSubjectSequence: lastFrameSeq, timeoutMs: 5_000, attempts: 3 },
        (ack) => {
          storing = false
          // Another copy stored this very frame (same range, same id): it is writing the lane in step
          // with this one, which stands by rather than read and send every event a second time.
          if (ack.duplicate) return end(new TermEnded({ overtaken: true, message: `frame ${frame.from}-${frame.to} was stored by another copy` }))
          queued.shift()
          queuedBytes -= weight
          if (queuedBytes <= pauseBytes.below) onDrained?.()
          lastFrameSeq = ack.seq
          written.updateUnsafe(1, context)
          framed.updateUnsafe(frame.events.length, context)
          storeNext()
        },
        (error) => {
          storing = false
          const code = apiErrorCode(error)
          end(new TermEnded({ overtaken: code !== undefined && WrongLastSequenceCodes.has(code), message: errorMessage(error) }))
        }
      )
    }
    // The follower's pause and resume, told by the queue's length.
    let onFull: (() => void) | undefined
    let onDrained: (() => void) | undefined
    const queue = (frame: DeviceFrame | undefined) => {
      if (frame === undefined) return
      const weight = frameWeight(frame)
      queued.push({ frame, weight })
      queuedBytes += weight
      if (queuedBytes >= pauseBytes.above) onFull?.()
      storeNext()
    }
    const closeWaited = () => {
      wait = undefined
      if (ended === undefined) queue(gatherer.close())
    }

    // The last sequence handed over: a follower taken up again after a pause starts after it.
    let followed = start.from - 1
    // What the follower's session last said it still had to deliver (unknown until it says, and
    // again once it ends), and when it last gave a sign of being alive.
    let pending: number | undefined
    let lastSignAtMs = 0
    const sessionEnds = () => {
      pending = undefined
    }
    // A message that came before the consumer's answer said it later.
    const opened = (count: number) => {
      lastSignAtMs = Date.now()
      if (pending === undefined) pending = count
    }
    const heartbeat = () => {
      lastSignAtMs = Date.now()
    }
    const filterSubject = Subjects.deviceLaneFilter(options.lane)
    // The bulk reader's brake: a pause stops its consumer at its window rather than ending it.
    const flow = new FlowHold()
    // The lane read over a connection of the writer's own (bulkFollow: a fifth of the client's CPU
    // per message); where that cannot be made, or once it fails, through the client's follower,
    // from the last event handed over either way.
    const follower = () =>
      Effect.suspend(() => {
        sessionEnds()
        return bulkFollow({
          stream: "WT_DEVICE",
          filterSubject,
          fromSeq: followed + 1,
          onMessage: onBulkMessage,
          onOpened: opened,
          onHeartbeat: heartbeat,
          onEnded: sessionEnds,
          flow
        })
      }).pipe(
        Effect.catch((error) =>
          Effect.logInfo(`frames ${options.lane}: reading the lane through the client (${error.message})`).pipe(
            Effect.andThen(Effect.suspend(() => {
              sessionEnds()
              return followPushed({
                reader: `frames-${options.lane}`,
                stream: "WT_DEVICE",
                filterSubject,
                from: { seq: followed + 1 },
                onOpened: opened,
                onMessage: (msg, info) => onEvent(info.streamSeq, info.storedAtMs, msg.subject, msg.data, info.pending),
                onHeartbeat: heartbeat,
                onLost: sessionEnds
              })
            }))
          )
        )
      )
    const when = (holds: () => boolean, set: (wake: (() => void) | undefined) => void) =>
      Effect.callback<void>((resume) => {
        if (holds()) return resume(Effect.void)
        set(() => {
          set(undefined)
          resume(Effect.void)
        })
        return Effect.sync(() => set(undefined))
      })
    const onEvent = (seq: number, storedAtMs: number, subject: string, data: Uint8Array, left: number) => {
      if (ended !== undefined) return
      followed = seq
      pending = left
      lastSignAtMs = Date.now()
      const closed = gatherer.add({ seq, storedAtMs, subject, data })
      if (closed !== undefined) {
        if (wait !== undefined) clearTimeout(wait)
        wait = undefined
        queue(closed)
      }
      if (gatherer.gathered > 0 && wait === undefined) wait = setTimeout(closeWaited, options.limits.maxWaitMs)
    }
    // A bulk read's bytes are a view into its socket's buffer: the gatherer keeps a copy.
    const onBulkMessage = (seq: number, subject: string, data: Uint8Array, storedAtMs: number, left: number) =>
      onEvent(seq, storedAtMs, subject, Buffer.from(data), left)
    // Caught up, with everything handed over in stored frames: the lane is framed through `followed`
    // for every event stored until about now, which the absence watch may rely on (framed-through.ts).
    // The session must have given a sign within a heartbeat and a half: one that died without a word
    // (its node lost) is not taken for a quiet lane for longer.
    const sayFramedThrough = () => {
      if (ended !== undefined || pending !== 0 || storing || queued.length > 0 || gatherer.gathered > 0) return
      const nowMs = Date.now()
      if (nowMs - lastSignAtMs > FramedThroughSignMs) return
      try {
        nc.publish(markSubject, encodeFramedThrough({ seq: followed, atMs: nowMs - FramedThroughMarginMs }))
      } catch {
        // The connection is closing or reconnecting: the next mark says it.
      }
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => setInterval(sayFramedThrough, FramedThroughEveryMs)),
      (timer) => Effect.sync(() => clearInterval(timer))
    )
    // Paused while the frames waiting to be stored weigh too much. The bulk reader is held (its
    // consumer stops at its window and goes on from there); the client's follower, or a bulk
    // reader that ended while held, is stopped and started again after the last event handed over.
    yield* Effect.forkScoped(Effect.gen(function*() {
      let following = yield* Effect.forkChild(follower())
      while (true) {
        yield* when(() => queuedBytes >= pauseBytes.above, (wake) => (onFull = wake))
        yield* Effect.sync(() => paused.updateUnsafe(1, context))
        if (flow.attached) {
          flow.hold()
          yield* when(() => queuedBytes <= pauseBytes.below || !flow.attached, (wake) => {
            onDrained = wake
            flow.onDetached = wake
          })
          flow.release()
          if (queuedBytes <= pauseBytes.below) continue
        }
        yield* Fiber.interrupt(following)
        yield* Effect.sync(sessionEnds)
        yield* when(() => queuedBytes <= pauseBytes.below, (wake) => (onDrained = wake))
        following = yield* Effect.forkChild(follower())
      }
    }))
    return yield* Effect.callback<never, TermEnded>((resume) => {
      onEnd = (reason) => resume(Effect.fail(reason))
      if (ended !== undefined) onEnd(ended)
      return Effect.sync(() => end(new TermEnded({ overtaken: false, message: "interrupted" })))
    })
  }))

  /**
   * While another copy writes: the lane's last frame looked at every `standbyMs` (one direct get;
   * following the lane would make nats-server count a new consumer's pending messages, which on a
   * long stream costs it more than the events themselves), and the writers' marks heard. Returns
   * once a whole wait passed with no new frame and no mark: that copy stopped. A writer marks every
   * half second while it is caught up, so a lane too quiet for frames keeps its one writer; without
   * the marks every copy standing by took such a lane up again after a wait, each with a consumer,
   * and read its next events with the others until two were overtaken once more.
   */
  const standBy = Effect.scoped(Effect.gen(function*() {
    const waitMs = options.standbyMs ?? 5_000
    // However short the wait, a mark of the last two is enough.
    const markedWithinMs = Math.max(waitMs, 2 * FramedThroughEveryMs)
    const lastFrame = readLastOnSubject(DeviceFramesStream.name, subject).pipe(
      Effect.map(Option.match({ onNone: () => 0, onSome: (m) => m.seq })),
      Effect.orElseSucceed(() => -1)
    )
    // Marks heard here are another copy's: this one says none while it stands by. A user that may
    // not hear them (an older authorization) hears none, and the writer waits for frames alone.
    // Counted from now: the writer that overtook this one has had no time to mark yet.
    let lastMarkAtMs = Date.now()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        try {
          return nc.subscribe(markSubject, { callback: (error) => {
            if (error === null) lastMarkAtMs = Date.now()
          } })
        } catch {
          return undefined
        }
      }),
      (subscription) => Effect.sync(() => subscription?.unsubscribe())
    )
    let seen = yield* lastFrame
    while (true) {
      yield* Effect.sleep(waitMs)
      const now = yield* lastFrame
      if (now === seen && Date.now() - lastMarkAtMs > markedWithinMs) return
      seen = now
    }
  }))

  return yield* term.pipe(
    Effect.catch((error) => {
      const why = error._tag === "TermEnded" && error.overtaken ? "overtaken" : "failed"
      return Effect.sync(() => Metric.withAttributes(writerRestarts, { lane: options.lane, reason: why }).updateUnsafe(1, context)).pipe(
        Effect.andThen(why === "overtaken"
          ? Effect.logDebug(`frames ${options.lane}: another copy stored a frame first; standing by`)
          : Effect.logWarning(`frames ${options.lane}: ${error.message}; starting over after the last stored frame`)),
        Effect.andThen(why === "overtaken" ? standBy : Effect.sleep(1_000))
      )
    }),
    Effect.forever
  )
})
