import type { JsMsg } from "@nats-io/jetstream"
import type { Fiber } from "effect"

/** One message in hand, from when it is read until it is settled; the same hand takes a later message. */
export interface Hand {
  msg: JsMsg | undefined
  /** The server's delivery count of the message in hand. */
  deliveries: number
  /** When the handler of the message in hand began; 0 while no handler runs. */
  startedAtMs: number
  /** Set by the overdue watch just before it interrupts the handler. */
  overdue: boolean
  /**
   * The handler's fiber, or what gives up a message taken without one, while it waits on something
   * (a handler done at once never needs one kept).
   */
  handler: Pick<Fiber.Fiber<unknown, unknown>, "interruptUnsafe"> | undefined
}

/**
 * A consumer's messages in hand, at most `size` at once. A message is taken into a free hand
 * and the hand is released when the message is settled (acked, handed back or dead-lettered).
 */
export class Hands {
  readonly all: ReadonlyArray<Hand>
  readonly #free: Array<Hand>
  #wake: (() => void) | undefined = undefined
  stopping = false

  constructor(size: number) {
    const all: Array<Hand> = []
    for (let i = 0; i < size; i++) all.push({ msg: undefined, deliveries: 0, startedAtMs: 0, overdue: false, handler: undefined })
    this.all = all
    this.#free = [...all].reverse()
  }

  get busy(): number {
    return this.all.length - this.#free.length
  }

  hasFree(): boolean {
    return this.#free.length > 0
  }

  /** The caller checked `hasFree` since it last awaited. */
  take(msg: JsMsg): Hand {
    const hand = this.#free.pop()!
    hand.msg = msg
    hand.overdue = false
    return hand
  }

  release(hand: Hand): void {
    hand.msg = undefined
    hand.handler = undefined
    hand.startedAtMs = 0
    this.#free.push(hand)
    const wake = this.#wake
    if (wake !== undefined) {
      this.#wake = undefined
      wake()
    }
    if (this.#free.length === this.all.length) this.onIdle?.()
  }

  /** Called each time the last message in hand is settled. */
  onIdle: (() => void) | undefined = undefined

  /** Resolves once a hand is free (or reading stopped). */
  freed(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
    })
  }

  /** Stops reading: a message that arrives now is handed back at once. */
  stop(): void {
    this.stopping = true
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

/**
 * Reads a consumer's iterator into free hands, one message at a time, and gives each to `handle`
 * at once (in the step that read it). The client pulls again only as its iterator is read, so
 * reading no further ahead than there are free hands keeps the consumer from holding more than it
 * handles: a message is never left waiting past the ack wait behind the others (and handled
 * twice). A message that arrives once reading stopped is handed back at once rather than after
 * the ack wait. Ends when the iterator does; fails when it fails.
 *
 * A plain loop rather than workers awaiting the iterator each in a fiber: a fiber suspended and
 * resumed for every message was most of what consuming a message cost.
 */
export const readIntoHands = async (
  iterator: AsyncIterator<JsMsg>,
  hands: Hands,
  handle: (hand: Hand) => void
): Promise<void> => {
  while (!hands.stopping) {
    if (!hands.hasFree()) {
      await hands.freed()
      continue
    }
    const next = await iterator.next()
    if (next.done === true) return
    if (hands.stopping) {
      next.value.nak()
      return
    }
    const hand = hands.take(next.value)
    try {
      handle(hand)
    } catch (error) {
      // Not settled: the server hands it out again after the ack wait. Reading stops (the caller starts again).
      if (hand.msg === next.value) hands.release(hand)
      throw error
    }
  }
}
