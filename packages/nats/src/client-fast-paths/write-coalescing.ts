import type { NatsConnection } from "@nats-io/transport-node"

/** The part of the client's protocol handler that decides when buffered commands go to the socket. */
interface Flushing {
  flushPending: () => void
  readonly outbound: { size: () => number; fill: (buffer: Uint8Array) => void }
  readonly pendingLimit: number
}

const isFlushing = (value: unknown): value is Flushing =>
  typeof value === "object" && value !== null && typeof (value as Flushing).flushPending === "function" &&
  typeof (value as Flushing).outbound?.size === "function" && typeof (value as Flushing).outbound?.fill === "function" &&
  typeof (value as Flushing).pendingLimit === "number"

/** A connection whose writes are coalesced: protocol text may be added to its next write. */
export interface CoalescedWrites {
  /**
   * Adds complete protocol commands (ASCII, each ending in CRLF) to what goes out in this turn's
   * write, encoded once with everything else added in the turn (see acks.ts).
   */
  readonly writeText: (text: string) => void
}

const coalesced = new WeakMap<NatsConnection, CoalescedWrites>()

/** The connection's coalesced writes, when `coalesceWrites` could patch it. */
export const coalescedWritesOf = (nc: NatsConnection): CoalescedWrites | undefined => coalesced.get(nc)

/**
 * Makes the client write what it has buffered once per event-loop turn instead of once per
 * microtask. The client flushes on a microtask after the first command into an empty buffer;
 * every fiber that acks or publishes resumes in a microtask of its own, so under load each
 * ack and each publish became its own socket write (and the server's read of it), which cost
 * more CPU than the work itself. Commands still leave within the same turn of the event loop,
 * and at once when the buffer reaches the client's own threshold.
 *
 * Returns false when the client does not have the expected shape (another version): it then
 * keeps its own behaviour, which is correct, only slower.
 */
export const coalesceWrites = (nc: NatsConnection): boolean => {
  const protocol = (nc as unknown as { protocol?: unknown }).protocol
  if (!isFlushing(protocol)) return false
  const flushNow = protocol.flushPending.bind(protocol)
  let scheduled = false
  // Text added this turn, encoded once and put behind the commands already buffered when the turn's write is made.
  let text = ""
  const moveText = () => {
    if (text === "") return
    protocol.outbound.fill(Buffer.from(text, "utf8"))
    text = ""
  }
  const flushScheduled = () => {
    scheduled = false
    moveText()
    flushNow()
  }
  protocol.flushPending = () => {
    if (protocol.outbound.size() + text.length >= protocol.pendingLimit) {
      moveText()
      return flushNow()
    }
    if (!scheduled) {
      scheduled = true
      setImmediate(flushScheduled)
    }
  }
  coalesced.set(nc, {
    writeText: (more) => {
      text += more
      protocol.flushPending()
    }
  })
  return true
}
