import { Subjects } from "@wt/contracts"
import { Effect, Result } from "effect"
import { clientOf } from "./client.ts"
import type { DeliverFrom } from "./consume.ts"
import { Nats } from "./connection.ts"
import { decodeDeviceFrame } from "./device-frame.ts"
import type { FramedLane } from "./device-frame-writer.ts"
import { apiErrorCode, ConsumerNotFound, errorMessage, NatsRequestFailed } from "./errors.ts"
import { retireDurable } from "./follow-pushed.ts"
import { DeviceFramesStream } from "./installation.ts"
import { publishRaw } from "./publish.ts"

/*
 * Where device frames begin, and where a reader that used to read a bulk lane through its own
 * durable on WT_DEVICE takes the frames up (docs/device-frames.md, "Moving to frames").
 *
 * A lane's first frame starts at the lowest position any reader of the lane had: the next sequence
 * of every durable on WT_DEVICE that reads the lane, and of every start mark. A reader leaving its
 * durable first marks where it was (`wt.frames.start.<lane>`), then deletes it, so its position is
 * always in one of the two for whichever writer places the first frame. With neither (a new
 * installation) the first frame starts at the stream's beginning.
 */

const NoMessageFound = 10037

/** The first message on `subject` stored at or after `seq` (a direct get), or null when there is none. */
const nextOnSubject = (jsm: ReturnType<typeof clientOf>["jsm"], seq: number, subject: string) =>
  jsm.direct.getMessage(DeviceFramesStream.name, { seq, next_by_subj: subject }).catch((cause: unknown) => {
    if (apiErrorCode(cause) === NoMessageFound || /no message found/i.test(errorMessage(cause))) return null
    throw cause
  })

const failed = (operation: string) => (cause: unknown) => new NatsRequestFailed({ operation, message: errorMessage(cause) })

/** The subject of a lane's start marks. */
const startMarkSubject = (lane: FramedLane) => `wt.frames.start.${lane}`

/** Whether a durable with this filter reads the lane. */
const readsLane = (filter: string, lane: FramedLane) => filter === Subjects.deviceAll || filter === Subjects.deviceLaneFilter(lane)

/** The WT_DEVICE sequence a lane's first frame starts at: the lowest position of any reader of it, or 1. */
export const firstFrameFrom = Effect.fn("Nats.firstFrameFrom")(function*(lane: FramedLane) {
  const { jsm } = clientOf(yield* Nats)
  const durables = yield* Effect.tryPromise({
    try: async () => {
      const positions: Array<number> = []
      for await (const info of await jsm.consumers.list("WT_DEVICE")) {
        if (info.config.durable_name !== undefined && readsLane(info.config.filter_subject ?? "", lane)) positions.push(info.ack_floor.stream_seq + 1)
      }
      return positions
    },
    catch: failed(`list WT_DEVICE's durables for the ${lane} lane's first frame`)
  })
  const marks = yield* startMarks(lane)
  const positions = [...durables, ...marks]
  return positions.length === 0 ? 1 : Math.min(...positions)
})

/** The positions marked on a lane by readers that left their durables. */
const startMarks = Effect.fnUntraced(function*(lane: FramedLane) {
  const { jsm } = clientOf(yield* Nats)
  const subject = startMarkSubject(lane)
  return yield* Effect.tryPromise({
    try: async () => {
      const marks: Array<number> = []
      let seq = 0
      while (true) {
        const mark = await nextOnSubject(jsm, seq + 1, subject)
        if (mark === null) return marks
        const at = Number(new TextDecoder().decode(mark.data))
        if (Number.isSafeInteger(at) && at > 0) marks.push(at)
        seq = mark.seq
      }
    },
    catch: failed(`read the ${lane} lane's start marks`)
  })
})

/**
 * Marks that `reader` reads `lane` from WT_DEVICE sequence `seq` on, so that the lane's first frame
 * starts no later (see {@link firstFrameFrom}). Stored once per reader and position.
 */
export const markFramesStart = (lane: FramedLane, seq: number, reader: string) =>
  publishRaw(startMarkSubject(lane), new TextEncoder().encode(String(seq)), { msgId: `start-${lane}-${reader}-${seq}` })

/**
 * Moves a reader from its old durable on WT_DEVICE to frames. For each lane the durable read, it
 * marks the next sequence the durable had not acknowledged; `takeUp` then makes the reader's new
 * durables (see {@link frameReaderStart}) from that sequence, undefined when there was no old
 * durable (a new installation, or a reader that moved already); only then is the old durable
 * deleted, so a crash on the way leaves it to be moved again.
 */
export const moveToFrames = Effect.fn("Nats.moveToFrames")(function*<E, R>(
  durable: string,
  lanes: ReadonlyArray<FramedLane>,
  takeUp: (next: number | undefined) => Effect.Effect<void, E, R>
) {
  const { jsm } = clientOf(yield* Nats)
  const next = yield* Effect.tryPromise({ try: () => jsm.consumers.info("WT_DEVICE", durable), catch: (cause) => cause }).pipe(
    Effect.map((info): number | undefined => info.ack_floor.stream_seq + 1),
    Effect.catch((cause) => apiErrorCode(cause) === ConsumerNotFound ? Effect.succeed(undefined) : Effect.fail(failed(`look up ${durable}`)(cause)))
  )
  if (next !== undefined) {
    for (const lane of lanes) {
      yield* markFramesStart(lane, next, durable)
    }
  }
  yield* takeUp(next)
  if (next !== undefined) yield* retireDurable("WT_DEVICE", durable)
  return next
})

/**
 * Where a reader's new durable on a lane's frames starts: at the first frame that holds the
 * sequence `next` or a later one, so nothing from `next` on is missed and at most one frame's
 * earlier events come again; all frames when there is no `next`. Found by bisecting the frames
 * stream (a direct get of the lane's next frame per step).
 */
export const frameReaderStart = Effect.fn("Nats.frameReaderStart")(function*(lane: FramedLane, next: number | undefined) {
  if (next === undefined) return "all" as DeliverFrom
  const { jsm } = clientOf(yield* Nats)
  const subject = DeviceFramesStream.subject(lane)
  const state = yield* Effect.tryPromise({ try: () => jsm.streams.info(DeviceFramesStream.name), catch: failed(`${DeviceFramesStream.name} info`) })
  /** The lane's first frame stored at or after `seq`: its stream sequence and its end. */
  const frameFrom = (seq: number) =>
    Effect.tryPromise({
      try: () =>
        nextOnSubject(jsm, seq, subject).then((m) => {
          if (m === null) return undefined
          const frame = decodeDeviceFrame(m.data)
          return { seq: m.seq, to: Result.isSuccess(frame) ? frame.success.to : Number.POSITIVE_INFINITY }
        }),
      catch: failed(`find the ${lane} frame holding ${next}`)
    })
  // Frames of a lane are stored in order of what they hold: bisect for the first whose end reaches `next`.
  let lo = Math.max(1, state.state.first_seq)
  let hi = state.state.last_seq + 1
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    const frame = yield* frameFrom(mid)
    if (frame === undefined || frame.to >= next) hi = mid
    else lo = frame.seq + 1
  }
  return { startSeq: lo } as DeliverFrom
})
