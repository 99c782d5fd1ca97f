import { Effect } from "effect"
import { clientOf } from "./client.ts"
import { Nats } from "./connection.ts"
import type { FramedLane } from "./device-frame-writer.ts"

/*
 * A reader of a lane's device frames that has nothing left to read has read what is framed, not
 * what is stored: the lane may hold events a writer has not framed yet (a frame still gathering, or
 * no writer running). A writer that knows it is caught up says so: "every event of the lane stored
 * before `atMs` has a WT_DEVICE sequence up to `seq`, and those are in stored frames". Supervision
 * judges absences on a lane only up to such a mark (decision 24 in docs/decisions.md, docs/device-frames.md).
 *
 * Core NATS, not stored: a mark is true when sent and soon stale, and a reader that misses one
 * waits for the next. A reader that hears none judges nothing new, which is the safe side.
 */

/** The subject a lane's marks go to. Outside `wt.frames.>`, so WT_DEVICE_FRAMES does not store them. */
export const framedThroughSubject = (lane: FramedLane) => `wt.framed.${lane}`
/** Every lane's marks, for permissions. */
export const FramedThroughSubjects = "wt.framed.>"

/** How often a caught-up writer says how far its lane is framed. */
export const FramedThroughEveryMs = 500

/**
 * Taken off the writer's clock: the last delivery said nothing more was stored, but an event
 * stored just before the mark may still be on its way to the writer.
 */
export const FramedThroughMarginMs = 250

/** A writer says nothing when its lane's follower gave no sign of life (a message or a heartbeat, every 2 s) for this long. */
export const FramedThroughSignMs = 3_000

export interface FramedThrough {
  /** The lane's last WT_DEVICE sequence in a stored frame. */
  readonly seq: number
  /** Every event of the lane stored before this instant (ms since the epoch) is at or before `seq`. */
  readonly atMs: number
}

const utf8 = new TextEncoder()
const text = new TextDecoder()

export const encodeFramedThrough = (mark: FramedThrough): Uint8Array => utf8.encode(`${mark.seq} ${mark.atMs}`)

/** A mark as sent, or undefined for anything else (a writer of another version, stray bytes). */
export const decodeFramedThrough = (bytes: Uint8Array): FramedThrough | undefined => {
  if (bytes.length > 64) return undefined
  const parts = text.decode(bytes).split(" ")
  if (parts.length !== 2) return undefined
  const seq = Number(parts[0])
  const atMs = Number(parts[1])
  return Number.isSafeInteger(seq) && seq >= 0 && Number.isSafeInteger(atMs) && atMs > 0 ? { seq, atMs } : undefined
}

/**
 * Hands on every mark said for `lane` while the scope is open (a core subscription; callbacks in the
 * connection's read loop: keep them short). Marks that do not decode are ignored.
 */
export const listenFramedThrough = Effect.fn("Nats.listenFramedThrough")(function*(lane: FramedLane, onMark: (mark: FramedThrough) => void) {
  const { nc } = clientOf(yield* Nats)
  yield* Effect.acquireRelease(
    Effect.sync(() =>
      nc.subscribe(framedThroughSubject(lane), {
        callback: (error, msg) => {
          if (error !== null) return
          const mark = decodeFramedThrough(msg.data)
          if (mark !== undefined) onMark(mark)
        }
      })
    ),
    (subscription) => Effect.sync(() => subscription.unsubscribe())
  )
})
