import { AckPolicy, DeliverPolicy, ReplayPolicy } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { randomBytes } from "node:crypto"
import type { Socket } from "node:net"
import { Effect } from "effect"
import { clientOf } from "../client.ts"
import { Nats } from "../connection.ts"
import { errorMessage, NatsRequestFailed } from "../errors.ts"
import { decimal, openReader, ProtocolReader } from "./protocol-reader.ts"

/**
 * Reads a stretch of a stream in order over a connection of its own that speaks the
 * NATS protocol directly: one ephemeral push consumer (no acks, flow control, idle
 * heartbeats), its messages parsed straight out of the socket's buffers. The nats.js
 * client spends more per message (objects, header parsing, a byte-by-byte parser) than
 * verifying the message costs, and `wt audit verify` reads every entry of the audit
 * trail. It authenticates as the connection's user (nkey or password). Read-only and for bulk
 * reads only: anything unexpected (TLS or credentials it cannot give required, a lost message,
 * an error from the server) fails the read, and the caller reads the slower way instead.
 */

export interface BulkReadOptions {
  readonly stream: string
  /** Default: the stream's first message. */
  readonly fromSeq?: number
  /** The last sequence wanted; the read ends there, or where the stream ends if sooner. */
  readonly toSeq: number
  /**
   * Called for each message in stream order; must not throw. `data` is a view into the
   * buffer the socket reads into, valid only during the call (copy what you keep); the
   * same subject usually comes as the same string.
   */
  readonly onMessage: OnBulkMessage
  /** No bytes for this long fails the read; default 30 s (heartbeats come every 5 s). */
  readonly stallMs?: number
}

/**
 * A message read in bulk: its stream sequence, subject and bytes, when it was stored (ms since the
 * epoch) and how many the consumer still had to deliver after it. `data` is a view into the
 * buffer the socket reads into, valid only during the call.
 */
export type OnBulkMessage = (seq: number, subject: string, data: Uint8Array, storedAtMs: number, pending: number) => void

/** Bytes of a read first tried for finishing a carried frame. */
const CarryHead = 16 * 1024

const CR = 13
const LF = 10
const SPACE = 32
const DOT = 46

/** Where a JetStream delivery's reply subject keeps the stream and consumer sequences and the pending count. */
interface AckInfo {
  sseq: number
  dseq: number
  storedAtMs: number
  pending: number
}

const ackPrefix = Buffer.from("$JS.ACK.")

/** Whether `buf[start, start + length)` holds the bytes of `bytes` (a loop beats a native call this short). */
const bytesAt = (buf: Buffer, start: number, bytes: Buffer): boolean => {
  if (start + bytes.length > buf.length) return false
  for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) return false
  return true
}

/** The numeric value of each token after `$JS.ACK.`, -1 for one that is not a number. */
const tokenValues = new Float64Array(16)

/**
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (9 tokens) or,
 * from servers with domains, `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<token>]`.
 * One pass, every token read as a number on the way, as which tokens count depends on how many there are.
 */
const parseAck = (buf: Buffer, start: number, end: number, out: AckInfo): boolean => {
  if (end - start < ackPrefix.length || !bytesAt(buf, start, ackPrefix)) return false
  let t = 0
  let value = 0
  let digits = 0
  for (let i = start + ackPrefix.length; i < end; i++) {
    const b = buf[i]!
    if (b === DOT) {
      tokenValues[t] = digits > 0 ? value : -1
      if (++t === tokenValues.length) return false
      value = 0
      digits = 0
    } else if (digits >= 0) {
      const d = b - 48
      if (d >= 0 && d <= 9) {
        value = value * 10 + d
        digits++
      } else {
        digits = -1
      }
    }
  }
  tokenValues[t] = digits > 0 ? value : -1
  // Tokens after "$JS.ACK.", counted from 0: stream, consumer, delivered, sseq, dseq, ts, pending.
  const tokens = t + 3
  const base = tokens === 9 ? 0 : tokens >= 11 ? 2 : -1
  if (base < 0) return false
  out.sseq = tokenValues[3 + base]!
  out.dseq = tokenValues[4 + base]!
  out.pending = tokenValues[6 + base]!
  // Nanoseconds, beyond a double's exact integers: exact enough for milliseconds.
  out.storedAtMs = Math.floor(tokenValues[5 + base]! / 1e6)
  return out.sseq > 0 && out.dseq > 0 && out.pending >= 0 && Number.isSafeInteger(out.sseq) && Number.isSafeInteger(out.dseq) && Number.isSafeInteger(out.pending)
}

/**
 * The protocol side of one read: handshake, then frames parsed as they arrive. Calls
 * `onEnd` once, with the error if the read did not reach its end.
 */
class FrameReader extends ProtocolReader {
  /** An unfinished frame from the end of the last read: `carry[0, carried)`. */
  private carry = Buffer.allocUnsafe(64 * 1024)
  private carried = 0
  private lastDseq = 0
  /** Subjects seen, by a hash of their bytes: a stream's subjects repeat, and each is decoded once. */
  private readonly subjects: Array<{ readonly bytes: Buffer; readonly subject: string } | undefined> = Array.from({ length: 256 }, () => undefined)
  private readonly ack: AckInfo = { sseq: 0, dseq: 0, storedAtMs: 0, pending: 0 }
  private readonly spaces = [0, 0, 0, 0, 0, 0]
  count = 0
  lastActivity = Date.now()
  /** A heartbeat that names no delivery this reader missed: the consumer is alive and had nothing more. */
  onHeartbeat: (() => void) | undefined
  /** Answers the server's flow control (see {@link FlowHold}); by default at once. */
  onFlowControl: (reply: string) => void = (reply) => this.answerFlowControl(reply)

  /** The last sequence wanted; a follower's is infinite, and being caught up does not end it. */
  private readonly toSeq: number
  private readonly onMessage: OnBulkMessage

  constructor(socket: Socket, toSeq: number, onMessage: OnBulkMessage) {
    super(socket)
    this.toSeq = toSeq
    this.onMessage = onMessage
  }

  private get following() {
    return this.toSeq === Number.POSITIVE_INFINITY
  }

  /**
   * Takes the `length` bytes the socket read into `chunk`, which is read into again
   * afterwards: a frame cut at its end is carried over in a buffer of its own, and
   * finished from the start of the next read.
   */
  data(chunk: Buffer, length: number) {
    this.lastActivity = Date.now()
    if (this.finished) return
    let pos = 0
    if (this.carried > 0) {
      // Usually a few hundred bytes finish the carried frame; all of the read only for a large one.
      const head = Math.min(length, CarryHead)
      this.ensureCarry(this.carried + head, this.carried)
      chunk.copy(this.carry, this.carried, 0, head)
      let at = this.parse(this.carry, 0, this.carried + head, this.carried)
      if (at < this.carried) {
        this.ensureCarry(this.carried + length, this.carried + head)
        chunk.copy(this.carry, this.carried + head, head, length)
        const end = this.carried + length
        at = this.parse(this.carry, at, end, end)
        this.keep(this.carry, at, end)
        return
      }
      pos = at - this.carried
      this.carried = 0
    }
    pos = this.parse(chunk, pos, length, length)
    this.keep(chunk, pos, length)
  }

  /** Parses frames from `pos` while they start before `until`; returns where it stopped. */
  private parse(buf: Buffer, pos: number, limit: number, until: number): number {
    while (pos < until && !this.finished) {
      const next = this.frame(buf, pos, limit)
      if (next < 0) break
      pos = next
    }
    return pos
  }

  /** Keeps the unfinished frame `buf[from, end)` for the next read. */
  private keep(buf: Buffer, from: number, end: number) {
    if (this.finished || from >= end) {
      this.carried = 0
      return
    }
    if (buf === this.carry) {
      this.carry.copyWithin(0, from, end)
    } else {
      this.ensureCarry(end - from, 0)
      buf.copy(this.carry, 0, from, end)
    }
    this.carried = end - from
  }

  /** Grows the carry buffer to `size`, keeping its first `used` bytes. */
  private ensureCarry(size: number, used: number) {
    if (this.carry.length >= size) return
    const bigger = Buffer.allocUnsafe(Math.max(size, this.carry.length * 2))
    this.carry.copy(bigger, 0, 0, used)
    this.carry = bigger
  }

  /** Handles the frame at `pos`; returns where the next one starts, or -1 when it is not all in `buf[0, limit)` yet. */
  private frame(buf: Buffer, pos: number, limit: number): number {
    const spaces = this.spaces
    let nSpaces = 0
    let eol = -1
    for (let i = pos; i < limit; i++) {
      const b = buf[i]
      if (b === SPACE) {
        if (nSpaces < 6) spaces[nSpaces] = i
        nSpaces++
      } else if (b === CR) {
        eol = i
        break
      }
    }
    if (eol < 0 || eol + 1 >= limit) return -1
    if (buf[eol + 1] !== LF) return this.fail(new Error("malformed protocol line"))
    const op = buf[pos]
    // MSG <subject> <sid> [reply] <size>  |  HMSG <subject> <sid> [reply] <header size> <total size>
    if (op === 77 /* M */ || op === 72 /* H */) {
      const headers = op === 72
      const withReply = nSpaces === (headers ? 5 : 4)
      if (nSpaces !== (headers ? 4 : 3) && !withReply) return this.fail(new Error("malformed message line"))
      const total = decimal(buf, spaces[nSpaces - 1]! + 1, eol)
      const headerSize = headers ? decimal(buf, spaces[nSpaces - 2]! + 1, spaces[nSpaces - 1]!) : 0
      if (total < 0 || headerSize < 0 || headerSize > total) return this.fail(new Error("malformed message sizes"))
      const start = eol + 2
      const end = start + total
      if (end + 2 > limit) return -1
      const replyStart = withReply ? spaces[2]! + 1 : -1
      const replyEnd = withReply ? spaces[3]! : -1
      if (withReply && parseAck(buf, replyStart, replyEnd, this.ack)) {
        this.message(buf, spaces[0]! + 1, spaces[1]!, start + headerSize, end)
      } else if (headers) {
        this.status(buf.toString("latin1", start, start + headerSize), withReply ? buf.toString("latin1", replyStart, replyEnd) : undefined)
      }
      return end + 2
    }
    return this.controlLine(buf.toString("latin1", pos, eol)) ? eol + 2 : -1
  }

  private message(buf: Buffer, subjectStart: number, subjectEnd: number, dataStart: number, dataEnd: number) {
    const { sseq, dseq, storedAtMs, pending } = this.ack
    if (dseq !== this.lastDseq + 1) {
      this.fail(new Error(`delivery ${this.lastDseq + 1} was lost (got ${dseq})`))
      return
    }
    this.lastDseq = dseq
    if (sseq <= this.toSeq) {
      this.onMessage(sseq, this.subjectAt(buf, subjectStart, subjectEnd), buf.subarray(dataStart, dataEnd), storedAtMs, pending)
      this.count++
    }
    // pending 0: nothing more is stored now (a follower waits for what comes).
    if (sseq >= this.toSeq || (pending === 0 && !this.following)) this.finish(undefined)
  }

  private subjectAt(buf: Buffer, start: number, end: number): string {
    let h = 0x811c9dc5
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193)
    const slot = (h >>> 0) & 255
    const known = this.subjects[slot]
    if (known !== undefined && known.bytes.length === end - start && bytesAt(buf, start, known.bytes)) return known.subject
    const bytes = Buffer.from(buf.subarray(start, end))
    const subject = bytes.toString("utf8")
    this.subjects[slot] = { bytes, subject }
    return subject
  }

  answerFlowControl(reply: string) {
    if (!this.finished) this.socket.write(`PUB ${reply} 0\r\n\r\n`)
  }

  /** A status message: flow control asks for an answer, a heartbeat may name a stalled consumer's subject. */
  private status(headers: string, reply: string | undefined) {
    if (headers.includes("FlowControl") && reply !== undefined) {
      this.onFlowControl(reply)
      return
    }
    const stalled = /^Nats-Consumer-Stalled:\s*(\S+)/imu.exec(headers)?.[1]
    if (stalled !== undefined) this.onFlowControl(stalled)
    // A heartbeat names the consumer's last delivery: a later one than the last read was lost.
    const last = Number(/^Nats-Last-Consumer:\s*(\d+)/imu.exec(headers)?.[1] ?? "0")
    if (last > this.lastDseq) this.fail(new Error(`deliveries ${this.lastDseq + 1}–${last} were lost`))
    else if (/idle heartbeat/iu.test(headers)) this.onHeartbeat?.()
  }
}

interface Session {
  readonly stream: string
  readonly filterSubject?: string
  readonly fromSeq?: number
  /** Infinite for a follower. */
  readonly toSeq: number
  readonly onMessage: OnBulkMessage
  readonly stallMs: number
  readonly heartbeatMs: number
  /** Once the consumer exists: how many messages it had to deliver (some may have come already). */
  readonly onOpened?: (pending: number) => void
  /** Each heartbeat that shows nothing was missed. */
  readonly onHeartbeat?: () => void
  /** The session ended, called at once (before the read's promise settles). */
  readonly onEnded?: () => void
  readonly flow?: FlowHold
}

/** One read over a connection of its own: resolves with the count handed over once it reaches `toSeq`, rejects on anything else. */
const readSession = async (nats: Nats["Service"], options: Session, signal: AbortSignal): Promise<number> => {
  const { nc, jsm } = clientOf(nats)
  const access = nats.access
  // Under the user's own inbox prefix, which its permissions let it subscribe to.
  const inbox = `${access.inboxPrefix ?? "_INBOX"}.wt-bulk.${randomBytes(12).toString("hex")}`
  const { socket, frames } = await openReader(nc.getServer(), inbox, access, (s) => new FrameReader(s, options.toSeq, options.onMessage))
  frames.onHeartbeat = options.onHeartbeat
  const held: HeldSession = {
    answer: (reply) => frames.answerFlowControl(reply),
    pause: () => socket.pause(),
    resume: () => {
      // Reading again after a hold is activity, not a stall: the watch counts from here.
      frames.lastActivity = Date.now()
      socket.resume()
    }
  }
  if (options.flow !== undefined) {
    const flow = options.flow
    frames.onFlowControl = (reply) => flow.asked(reply)
    flow.attach(held)
  }
  const end = new Promise<void>((resolve, reject) =>
    (frames.onEnd = (error) => {
      options.flow?.detach(held)
      options.onEnded?.()
      if (error === undefined) resolve()
      else reject(error)
    })
  )
  // Failing before it is awaited (while the consumer is created) is not an unhandled rejection.
  end.catch(() => undefined)
  socket.on("error", (error) => frames.finish(error))
  socket.on("close", () => frames.finish(new Error("the connection closed before the range was read")))
  const watchdog = setInterval(() => {
    if (Date.now() - frames.lastActivity > options.stallMs) frames.finish(new Error(`no data for ${options.stallMs} ms`))
  }, Math.min(options.stallMs, 1_000))
  signal.addEventListener("abort", () => frames.finish(new Error("interrupted")))
  let consumer: string | undefined
  try {
    const info = await jsm.consumers.add(options.stream, {
      deliver_subject: inbox,
      ack_policy: AckPolicy.None,
      replay_policy: ReplayPolicy.Instant,
      flow_control: true,
      idle_heartbeat: nanos(options.heartbeatMs),
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(60_000),
      ...(options.filterSubject === undefined ? {} : { filter_subject: options.filterSubject }),
      ...(options.fromSeq === undefined || options.fromSeq <= 1
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.fromSeq })
    })
    consumer = info.name
    // A session that ended while its consumer was being made says nothing more.
    if (!frames.finished) options.onOpened?.(info.num_pending)
    if (info.num_pending === 0 && options.toSeq !== Number.POSITIVE_INFINITY) frames.finish(undefined)
    await end
    return frames.count
  } finally {
    clearInterval(watchdog)
    frames.finish(undefined)
    socket.destroy()
    if (consumer !== undefined) void jsm.consumers.delete(options.stream, consumer).catch(() => undefined)
  }
}

/**
 * Reads `fromSeq`–`toSeq` of `stream` in order (see the top of this file) and returns
 * how many messages it handed over. Fails with {@link NatsRequestFailed} when the
 * read cannot be done this way or does not reach its end.
 */
export const bulkReadRange = Effect.fn("Nats.bulkReadRange")(function*(options: BulkReadOptions) {
  const nats = yield* Nats
  return yield* Effect.tryPromise({
    try: (signal) => readSession(nats, { ...options, stallMs: options.stallMs ?? 30_000, heartbeatMs: 5_000 }, signal),
    catch: (cause) => new NatsRequestFailed({ operation: `bulk read ${options.stream}`, message: errorMessage(cause) })
  })
})

export interface BulkFollowOptions {
  readonly stream: string
  readonly filterSubject: string
  readonly fromSeq: number
  /** Each message in stream order, once; must not throw. `data` is valid only during the call. */
  readonly onMessage: OnBulkMessage
  /**
   * Once the consumer exists: how many messages it had to deliver. Messages may have come before
   * it; their own pending counts are the later word.
   */
  readonly onOpened?: (pending: number) => void
  /** Each heartbeat (every 2 s while nothing is delivered) that shows nothing was missed. */
  readonly onHeartbeat?: () => void
  /** The session ended, called at once, before the follow fails. */
  readonly onEnded?: () => void
  /** Lets the caller stop and go on without ending the session (see {@link FlowHold}). */
  readonly flow?: FlowHold
}

/** What a session under a {@link FlowHold} lets it do. */
export interface HeldSession {
  /** Answers a flow-control request or a stalled consumer's subject. */
  readonly answer: (reply: string) => void
  /** Stops and goes on reading the socket. */
  readonly pause: () => void
  readonly resume: () => void
}

/**
 * A follower's brake. Held, its reader stops reading its socket and leaves nats-server's
 * flow-control requests unanswered, so the server stops sending once the consumer's window is out,
 * and what is on its way waits in the server and the socket's buffers rather than in this process
 * (the window grows to 32 MiB); released, it reads on and answers the last request, and the
 * consumer goes on where it stopped. The session and its consumer live on meanwhile: ending the
 * session instead cost nats-server a new consumer (its pending count, on a long stream, under the
 * stream's lock) and sent again what was on its way. A hold longer than the reader's stall watch
 * (three heartbeats) ends the session all the same.
 */
export class FlowHold {
  #held = false
  #asked: string | undefined
  #session: HeldSession | undefined
  /** Called when the session reading under this brake ends. */
  onDetached: (() => void) | undefined

  /** Whether a session reads under this brake now; without one, holding stops nothing. */
  get attached(): boolean {
    return this.#session !== undefined
  }

  hold(): void {
    if (this.#held) return
    this.#held = true
    this.#session?.pause()
  }

  release(): void {
    if (!this.#held) return
    this.#held = false
    const asked = this.#asked
    this.#asked = undefined
    this.#session?.resume()
    if (asked !== undefined) this.#session?.answer(asked)
  }

  /** The server asked (a flow-control request, or a stalled consumer's heartbeat): answered now, or on release. */
  asked(reply: string): void {
    if (this.#held) this.#asked = reply
    else this.#session?.answer(reply)
  }

  attach(session: HeldSession): void {
    this.#session = session
    this.#asked = undefined
    if (this.#held) session.pause()
  }

  detach(session: HeldSession): void {
    if (this.#session !== session) return
    this.#session = undefined
    this.#asked = undefined
    this.onDetached?.()
  }
}

/** A follower's heartbeat; three missed end it. */
const FollowHeartbeatMs = 2_000

/**
 * Follows `filterSubject` of `stream` from `fromSeq` on, in order and without acks, over a
 * connection of its own (see the top of this file): for a reader of every message of a busy
 * subject (the device frame writers), where the client's own follower spends more per message
 * than the reader. Runs until interrupted; fails with {@link NatsRequestFailed} when it cannot
 * be made this way, or at the first sign of a lost message or a dead consumer (no heartbeat for
 * three beats): the caller then goes on after the last message handed over, another way or again.
 */
export const bulkFollow = (options: BulkFollowOptions): Effect.Effect<never, NatsRequestFailed, Nats> =>
  Nats.use((nats) =>
    Effect.tryPromise({
      try: (signal) =>
        readSession(nats, { ...options, toSeq: Number.POSITIVE_INFINITY, stallMs: FollowHeartbeatMs * 3, heartbeatMs: FollowHeartbeatMs }, signal),
      catch: (cause) => new NatsRequestFailed({ operation: `bulk follow ${options.stream} ${options.filterSubject}`, message: errorMessage(cause) })
    }).pipe(
      Effect.flatMap(() => Effect.fail(new NatsRequestFailed({ operation: `bulk follow ${options.stream} ${options.filterSubject}`, message: "ended" })))
    ))
