import { type DeviceFrame, type FramedEvent, framedEventBytes } from "./device-frame.ts"

/** When a frame is closed: whichever limit it reaches first. */
export interface FrameLimits {
  readonly maxEvents: number
  /** Of the frame's bytes; must stay well under nats-server's message limit (1 MB by default). */
  readonly maxBytes: number
  /** After its first event, so a quiet lane's events reach the frames' readers within this long. */
  readonly maxWaitMs: number
}

/** A frame's fixed head, as device-frame.ts lays it out. */
const FrameHeadBytes = 21

/**
 * Gathers one lane's followed events into frames that cover its sequences without gap or overlap:
 * the first frame starts at `from`, each next at the last one's `to + 1`. No I/O and no clock:
 * the writer asks it to close a frame when the wait is over.
 */
export class FrameGatherer {
  #from: number
  #events: Array<FramedEvent> = []
  #bytes = FrameHeadBytes
  readonly #limits: FrameLimits

  constructor(from: number, limits: FrameLimits) {
    this.#from = from
    this.#limits = limits
  }

  /** Events gathered and not yet in a closed frame. */
  get gathered(): number {
    return this.#events.length
  }

  /**
   * Adds the next followed event (in stream order, after every one added before). Returns the frame
   * it closes, if it reached a limit: a frame is never empty, and an event that would push the
   * gathered ones over `maxBytes` closes them first and starts the next frame.
   */
  add(event: FramedEvent): DeviceFrame | undefined {
    const bytes = framedEventBytes(event.subject.length, event.data.length)
    const before = this.#events.length > 0 && this.#bytes + bytes > this.#limits.maxBytes ? this.close() : undefined
    this.#events.push(event)
    this.#bytes += bytes
    if (before !== undefined) return before
    return this.#events.length >= this.#limits.maxEvents || this.#bytes >= this.#limits.maxBytes ? this.close() : undefined
  }

  /** The frame of every event gathered, or undefined when there is none. */
  close(): DeviceFrame | undefined {
    const events = this.#events
    if (events.length === 0) return undefined
    const to = events[events.length - 1]!.seq
    const frame: DeviceFrame = { from: this.#from, to, events }
    this.#from = to + 1
    this.#events = []
    this.#bytes = FrameHeadBytes
    return frame
  }
}
