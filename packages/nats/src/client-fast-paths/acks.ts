import type { JsMsg } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/transport-node"
import { coalescedWritesOf } from "./write-coalescing.ts"

/** What the client's message holds beyond its interface: the reply subject, and its flag that the message has had its final answer. */
interface Delivered {
  readonly reply?: unknown
  didAck?: boolean
}

/**
 * How a consumer acknowledges a message it handled. The client's `msg.ack()` checks the subject
 * twice, builds the publish line, encodes it on its own and queues three buffers, which the write
 * then copies together: for each ack, on each of the three consumers every device event has.
 * Here the ack's protocol line (`PUB <reply> 4\r\n+ACK\r\n`, what the client sends) is added to
 * the connection's coalesced write (write-coalescing.ts), and a turn's acks are encoded once.
 *
 * Falls back to the client's own ack when the writes are not coalesced (another client version),
 * and while the connection is closing or closed, where the client knows what to do (throw, or
 * send while draining).
 */
export const makeAcker = (nc: NatsConnection): ((msg: JsMsg) => void) => {
  const writes = coalescedWritesOf(nc)
  if (writes === undefined) return (msg) => msg.ack()
  return (msg) => {
    const delivered = msg as unknown as Delivered
    const reply = delivered.reply
    if (typeof reply !== "string" || nc.isClosed() || nc.isDraining()) return msg.ack()
    // As the client's ack: a message already answered is not answered again.
    if (delivered.didAck === true) return
    delivered.didAck = true
    writes.writeText(`PUB ${reply} 4\r\n+ACK\r\n`)
  }
}
