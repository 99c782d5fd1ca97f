import type { JsMsg } from "@nats-io/jetstream"
import { Effect } from "effect"

/**
 * The messages a consumer received and no worker has taken yet, filled from the client's iterator
 * by {@link pumpInto}.
 *
 * Why not a worker per `next()` of the client's async iterator: each was a promise and a fiber
 * resumed from it, per message, which cost a busy consumer more than decoding the message. Here a
 * worker takes a message that is already in hand synchronously, and waits only when there is none.
 */
export class MessageInbox {
  private queue: Array<JsMsg> = []
  private head = 0
  private readonly waiting: Array<(msg: JsMsg | undefined) => void> = []
  private closed = false
  private room: (() => void) | undefined
  private roomBelow = 0

  /** Hands the message to a waiting worker, or keeps it; once closed, hands it back to the server. */
  readonly push = (msg: JsMsg): void => {
    if (this.closed) {
      // Read from the client after the session ended: hand it back at once.
      msg.nak()
      return
    }
    const waiter = this.waiting.shift()
    if (waiter !== undefined) waiter(msg)
    else this.queue.push(msg)
  }

  /** The next message in hand, if any. */
  take(): JsMsg | undefined {
    if (this.head === this.queue.length) return undefined
    const msg = this.queue[this.head]!
    this.queue[this.head++] = undefined as unknown as JsMsg
    if (this.room !== undefined && this.queue.length - this.head < this.roomBelow) {
      const room = this.room
      this.room = undefined
      room()
    }
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    return msg
  }

  /** The next message, waiting for one if need be; undefined once the inbox is closed and empty. */
  readonly next: Effect.Effect<JsMsg | undefined> = Effect.suspend(() => {
    const msg = this.take()
    if (msg !== undefined || this.closed) return Effect.succeed(msg)
    return Effect.callback<JsMsg | undefined>((resume) => {
      const waiter = (m: JsMsg | undefined) => resume(Effect.succeed(m))
      this.waiting.push(waiter)
      // An interrupted worker stops waiting, so no message is handed to it.
      return Effect.sync(() => {
        const at = this.waiting.indexOf(waiter)
        if (at >= 0) this.waiting.splice(at, 1)
      })
    })
  })

  /** Messages arriving from now on are refused; waiting workers get undefined. Returns what was left untaken. */
  close(): ReadonlyArray<JsMsg> {
    this.closed = true
    this.room?.()
    this.room = undefined
    for (const waiter of this.waiting.splice(0)) waiter(undefined)
    const left = this.queue.slice(this.head)
    this.queue = []
    this.head = 0
    return left
  }

  /** Resolves once fewer than `limit` messages are in hand (or the inbox is closed). */
  hasRoom(limit: number): Promise<void> | undefined {
    if (this.closed || this.size < limit) return undefined
    this.roomBelow = limit
    return new Promise<void>((resolve) => {
      this.room = resolve
    })
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Messages in hand. */
  get size(): number {
    return this.queue.length - this.head
  }
}

/**
 * Moves messages from the client's iterator into the inbox, keeping at most `limit` in hand. The
 * client sends its next pull only as its iterator is read, so reading no further ahead than the
 * workers keeps what the consumer holds, and how long a message waits before its handler starts,
 * as small as the client's pull: messages read ahead and left waiting past the ack wait are handed
 * out again (as they were, when the client's callback filled the inbox with everything the server sent).
 * Resolves when the iterator ends.
 */
export const pumpInto = async (inbox: MessageInbox, iterator: AsyncIterator<JsMsg>, limit: number): Promise<void> => {
  while (!inbox.isClosed) {
    const wait = inbox.hasRoom(limit)
    if (wait !== undefined) await wait
    if (inbox.isClosed) return
    const next = await iterator.next()
    if (next.done === true) return
    inbox.push(next.value)
  }
}
