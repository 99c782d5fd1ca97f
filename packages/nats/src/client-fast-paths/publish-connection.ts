import { randomBytes } from "node:crypto"
import type { Socket } from "node:net"
import type { NatsAccess } from "../connection.ts"
import { TraceparentHeader } from "../trace-context.ts"
import { decimal, openReader, ProtocolReader } from "./protocol-reader.ts"

/**
 * JetStream publishes and their answers over a connection of their own that speaks the NATS
 * protocol directly: each publish is written as one `HPUB` line with its headers as text, a turn's
 * publishes go out in one socket write, and each answer is cut out of the socket's buffer. Through
 * the client, a publish cost a headers object (validated, then encoded), a protocol line encoded on
 * its own, and its answer a pass of the client's byte-by-byte parser and a message object: at ingest
 * rates about a third of the gateway's CPU. Used only where a batch of stored events is awaited as a
 * whole (`publishRawAll` with `ownConnection`, which ingest uses); see `PubAcks`, which falls back to
 * the client for anything this connection cannot carry and while it is not open.
 */

/** What the connection tells the publisher it serves. */
export interface PublishConnectionHands {
  /** The answer to the publish named `token`: a 503 status (no stream stores the subject), or the body. */
  readonly answer: (token: string, noResponders: boolean, body: Uint8Array) => void
  /** The server refused a publish to `subject` (this user may not publish there). */
  readonly refused: (subject: string) => void
  /** The connection was lost: publishes sent over it may never be answered on it. */
  readonly lost: () => void
}

export interface PublishHeaders {
  readonly msgId?: string
  readonly expectedLastSubjectSequence?: number
  readonly traceparent?: string
}

const CR = 13
const LF = 10
const SPACE = 32
const crlf = Buffer.from("\r\n")

/** A subject the protocol line can carry as it is: no whitespace, not empty. */
const plainSubject = /^[^\s]+$/u
/** A header value that cannot end its line early. */
const plainValue = /^[^\r\n]*$/u

/** Waits before opening the connection again after it was lost; after it could not be made, from 2 s doubling to 30 s (a server restarting, or refusing this user). */
const ReopenAfterLostMs = 1_000
const ReopenAfterFailedMs = { first: 2_000, most: 30_000 } as const

/** The answers coming back on the connection's inbox, cut out of the socket's buffer. */
class AnswerReader extends ProtocolReader {
  private carry: Buffer | undefined
  /** The server's largest message (INFO `max_payload`): a larger publish goes through the client, which refuses it. */
  maxPayload = 1024 * 1024

  private readonly tokenAt: number
  private readonly hands: PublishConnectionHands

  constructor(socket: Socket, inbox: string, hands: PublishConnectionHands) {
    super(socket)
    this.tokenAt = inbox.length + 1
    this.hands = hands
  }

  data(chunk: Buffer, length: number) {
    if (this.finished) return
    // The socket reads into `chunk` again: an unfinished frame is kept as a copy.
    let buf = chunk.subarray(0, length)
    if (this.carry !== undefined) buf = Buffer.concat([this.carry, buf])
    let pos = 0
    while (pos < buf.length && !this.finished) {
      const next = this.frame(buf, pos)
      if (next < 0) break
      pos = next
    }
    this.carry = pos < buf.length && !this.finished ? Buffer.from(buf.subarray(pos)) : undefined
  }

  /** Handles the frame at `pos`; returns where the next one starts, or -1 when it is not all in `buf` yet. */
  private frame(buf: Buffer, pos: number): number {
    const eol = buf.indexOf(crlf, pos)
    if (eol < 0) return -1
    const op = buf[pos]
    // MSG <subject> <sid> <size>  |  HMSG <subject> <sid> <header size> <total size>: answers carry no reply.
    if (op === 77 /* M */ || op === 72 /* H */) {
      const headers = op === 72
      const subjectStart = buf.indexOf(SPACE, pos) + 1
      const subjectEnd = buf.indexOf(SPACE, subjectStart)
      const lastSpace = buf.lastIndexOf(SPACE, eol)
      if (subjectStart <= 0 || subjectEnd < 0 || subjectEnd >= eol || lastSpace <= subjectEnd) return this.fail(new Error("malformed message line"))
      const total = decimal(buf, lastSpace + 1, eol)
      const headerSize = headers ? decimal(buf, buf.lastIndexOf(SPACE, lastSpace - 1) + 1, lastSpace) : 0
      if (total < 0 || headerSize < 0 || headerSize > total) return this.fail(new Error("malformed message sizes"))
      const start = eol + 2
      const end = start + total
      if (end + 2 > buf.length) return -1
      const token = buf.toString("latin1", subjectStart + this.tokenAt, subjectEnd)
      // A status without a body: 503, no stream stores the subject (or JetStream is electing a leader).
      const noResponders = headers && total === headerSize && buf.toString("latin1", start, start + headerSize).startsWith("NATS/1.0 503")
      this.hands.answer(token, noResponders, buf.subarray(start + headerSize, end))
      return end + 2
    }
    return this.controlLine(buf.toString("latin1", pos, eol)) ? eol + 2 : -1
  }

  protected override heardInfo(info: Record<string, unknown>) {
    if (typeof info["max_payload"] === "number") this.maxPayload = info["max_payload"]
  }

  /** A refused publish leaves the connection open: the publishes to that subject fail at once. */
  protected override serverError(line: string): boolean {
    const refused = /Permissions Violation for Publish to "?([^"'\s]+)/iu.exec(line)?.[1]
    if (refused !== undefined) this.hands.refused(refused)
    return refused !== undefined
  }

}

/**
 * One connection of a process's own for publishing (see the top of this file), opened on the
 * server the client is connected to, as the client's user, and opened again a second after it is
 * lost. `send` says false for what it cannot carry now (not open, a subject or header it would
 * have to escape, a message over the server's limit): the caller sends that through the client.
 */
export class PublishConnection {
  #open: { readonly socket: Socket; readonly reader: AnswerReader } | undefined
  #closed = false
  #reopen: ReturnType<typeof setTimeout> | undefined
  /** What waits for the turn's one write. */
  #pending: Array<string | Uint8Array> = []
  #pendingBytes = 0
  #flushQueued = false
  #sent = 0
  #failedWaitMs: number = ReopenAfterFailedMs.first
  readonly inbox: string

  private readonly server: () => string
  private readonly access: NatsAccess
  private readonly hands: PublishConnectionHands
  private readonly name: string

  constructor(server: () => string, access: NatsAccess, name: string, hands: PublishConnectionHands) {
    this.server = server
    this.access = access
    this.name = name
    this.hands = hands
    // Under the user's own inbox prefix, which its permissions let it subscribe to.
    this.inbox = `${access.inboxPrefix ?? "_INBOX"}.wt-pub.${randomBytes(12).toString("hex")}`
    this.connect()
  }

  get isOpen(): boolean {
    return this.#open !== undefined
  }

  /** Publishes this connection took so far. */
  get sent(): number {
    return this.#sent
  }

  private connect() {
    this.#reopen = undefined
    if (this.#closed) return
    openReader(this.server(), `${this.inbox}.*`, this.access, (socket) => new AnswerReader(socket, this.inbox, this.hands), { name: this.name, noResponders: true })
      .then(({ socket, frames }) => {
        if (this.#closed) {
          socket.destroy()
          return
        }
        this.#failedWaitMs = ReopenAfterFailedMs.first
        frames.onEnd = () => this.lost(socket)
        socket.on("error", (error) => frames.finish(error))
        socket.on("close", () => frames.finish(new Error("closed")))
        this.#open = { socket, reader: frames }
      })
      .catch((error: unknown) => {
        // The client carries every publish meanwhile; for good where this connection cannot be
        // made at all (TLS, a credentials file), else it is tried again (no server just now).
        if (/requires TLS|cannot give/u.test(error instanceof Error ? error.message : String(error))) return
        this.reopenAfter(this.#failedWaitMs)
        this.#failedWaitMs = Math.min(ReopenAfterFailedMs.most, 2 * this.#failedWaitMs)
      })
  }

  private lost(socket: Socket) {
    if (this.#open?.socket !== socket) return
    this.#open = undefined
    this.#pending = []
    this.#pendingBytes = 0
    socket.destroy()
    this.hands.lost()
    this.reopenAfter(ReopenAfterLostMs)
  }

  private reopenAfter(ms: number) {
    if (this.#closed || this.#reopen !== undefined) return
    this.#reopen = setTimeout(() => this.connect(), ms)
    this.#reopen.unref()
  }

  /** Sends a publish answered on `<inbox>.<token>`, in this turn's one write; false when it cannot. */
  send(subject: string, bytes: Uint8Array, token: string, headers: PublishHeaders): boolean {
    const open = this.#open
    if (open === undefined || !plainSubject.test(subject)) return false
    let text = "NATS/1.0\r\n"
    if (headers.msgId !== undefined) {
      if (!plainValue.test(headers.msgId)) return false
      text += `Nats-Msg-Id: ${headers.msgId}\r\n`
    }
    if (headers.expectedLastSubjectSequence !== undefined) text += `Nats-Expected-Last-Subject-Sequence: ${headers.expectedLastSubjectSequence}\r\n`
    if (headers.traceparent !== undefined) {
      if (!plainValue.test(headers.traceparent)) return false
      text += `${TraceparentHeader}: ${headers.traceparent}\r\n`
    }
    text += "\r\n"
    const headerBytes = Buffer.byteLength(text)
    if (headerBytes + bytes.length > open.reader.maxPayload) return false
    const line = `HPUB ${subject} ${this.inbox}.${token} ${headerBytes} ${headerBytes + bytes.length}\r\n${text}`
    this.#sent++
    this.#pending.push(line, bytes)
    this.#pendingBytes += Buffer.byteLength(line) + bytes.length + 2
    if (!this.#flushQueued) {
      this.#flushQueued = true
      queueMicrotask(() => this.flush())
    }
    return true
  }

  private flush() {
    this.#flushQueued = false
    const open = this.#open
    if (open === undefined || this.#pending.length === 0) return
    const out = Buffer.allocUnsafe(this.#pendingBytes)
    let at = 0
    for (const part of this.#pending) {
      if (typeof part === "string") {
        at += out.write(part, at, "utf8")
      } else {
        out.set(part, at)
        at += part.length
        out[at++] = CR
        out[at++] = LF
      }
    }
    this.#pending = []
    this.#pendingBytes = 0
    open.socket.write(out)
  }

  /** Ends the connection for good (the client's connection closed). */
  close() {
    this.#closed = true
    if (this.#reopen !== undefined) clearTimeout(this.#reopen)
    const open = this.#open
    this.#open = undefined
    open?.socket.destroy()
  }

  /** Drops the connection as a lost one would be (tests of what happens then). */
  dropForTest() {
    const open = this.#open
    if (open !== undefined) open.reader.finish(new Error("dropped by a test"))
  }
}
