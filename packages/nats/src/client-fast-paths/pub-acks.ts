import {
  createInbox,
  headers as makeHeaders,
  type NatsConnection,
  PermissionViolationError,
  type Subscription
} from "@nats-io/transport-node"
import { Schema } from "effect"
import type { NatsAccess } from "../connection.ts"
import { TraceparentHeader } from "../trace-context.ts"
import { PublishConnection } from "./publish-connection.ts"

/** JetStream's answer to a publish: where it stored the message. */
export interface PubAck {
  readonly stream: string
  readonly seq: number
  readonly duplicate: boolean
}

export interface PubAckOptions {
  /** Omitted only for a write guarded by `expectedLastSubjectSequence`, which a repeat cannot land twice. */
  readonly msgId?: string
  readonly expectedLastSubjectSequence?: number
  /** Per attempt. */
  readonly timeoutMs: number
  readonly attempts: number
  /** W3C `traceparent` of the publishing span; set only while traces are exported (see trace-context.ts). */
  readonly traceparent?: string
}

/** JetStream refused the publish; `code` is its error code (e.g. 10071 wrong last sequence), as `apiErrorCode` reads it. */
export class PublishRejected extends Schema.TaggedError<PublishRejected>()("PublishRejected", {
  message: Schema.String,
  code: Schema.Number,
  status: Schema.Number
}) {}

/** No stream answered: none stores the subject, or JetStream is unavailable (a leader election). */
export class NoStreamAnswered extends Schema.TaggedError<NoStreamAnswered>()("NoStreamAnswered", {
  subject: Schema.String
}) {
  override get message() {
    return `no stream stores subject ${this.subject}, or JetStream is unavailable`
  }
}

/** The server refused the publish: this client's NATS user may not publish to the subject. */
export class PublishNotPermitted extends Schema.TaggedError<PublishNotPermitted>()("PublishNotPermitted", {
  subject: Schema.String
}) {
  // Worded as the server words it: callers tell a refusal by "permissions violation" in the text.
  override get message() {
    return `this NATS user may not publish to ${this.subject} (permissions violation)`
  }
}

export class PubAckTimeout extends Schema.TaggedError<PubAckTimeout>()("PubAckTimeout", {
  subject: Schema.String,
  attempts: Schema.Number,
  timeoutMs: Schema.Number
}) {
  override get message() {
    return `no PubAck for ${this.subject} after ${this.attempts} attempt(s) of ${this.timeoutMs} ms`
  }
}

interface InFlight {
  readonly subject: string
  readonly bytes: Uint8Array
  readonly options: PubAckOptions
  readonly resolve: (ack: PubAck) => void
  readonly reject: (error: Error) => void
  attempt: number
  deadline: number
  /** Set while waiting to send again after no stream answered, or after a duplicate still in flight. */
  retryAt: number | undefined
  /** When JetStream first answered that a write with this id is still in flight (see `answer`). */
  inProcessSince: number | undefined
  /** Last sent over the publisher's own connection (see `PublishConnection`), not the client. */
  viaOwn: boolean
}

const decoder = new TextDecoder()
/** JSStreamDuplicateMessageConflictErr: "duplicate message id is in process". */
export const DuplicateInProcessCode = 10158
const SweepEveryMs = 100
const RetryDelayMs = 250
/** A write in flight normally lands within milliseconds: ask again soon (the sweep's pace bounds it). */
const InProcessRetryMs = 50

/**
 * Publishes to JetStream and waits for its PubAck, with many publishes in flight and no
 * per-message request object, timer or Error: each publish names a reply subject under
 * one inbox subscription, and one sweep handles timeouts. (The client's own `js.publish`
 * builds a request, a timer and at least one Error per message, which at ingest rates cost
 * more CPU than the publish.) Retries after a timeout or while no stream answers resend
 * the same bytes with the same `Nats-Msg-Id`, so the stream stores the message once.
 */
export class PubAcks {
  private readonly nc: NatsConnection
  private readonly inbox: string
  private readonly inFlight = new Map<string, InFlight>()
  private next = 0
  private readonly subscription: Subscription
  private readonly sweeper: ReturnType<typeof setInterval>
  /** A connection of this publisher's own, where it has one (`ownPubAcksOf`). */
  private own: PublishConnection | undefined

  /** `inboxPrefix`: the one the connection was opened with, which its user's subscribe permission names. */
  constructor(nc: NatsConnection, inboxPrefix: string | undefined) {
    this.nc = nc
    this.inbox = createInbox(inboxPrefix)
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (_error, msg) => this.answer(msg.subject.slice(this.inbox.length + 1), msg.headers?.code === 503, msg.data)
    })
    this.sweeper = setInterval(() => this.sweep(), SweepEveryMs)
    this.sweeper.unref()
    void this.subscription.closed.then(() => this.close(new Error("connection closed before JetStream answered")))
    void this.watchRefusals()
  }

  // A publish the server refuses is never answered; its permissions violation comes as a status.
  // Failing the publishes to that subject at once says why, instead of a timeout after every attempt.
  private async watchRefusals() {
    for await (const status of this.nc.status()) {
      if (status.type !== "error" || !(status.error instanceof PermissionViolationError)) continue
      const refused = status.error
      if (refused.operation !== "publish") continue
      this.refused(refused.subject)
    }
  }

  private refused(subject: string) {
    for (const [token, entry] of this.inFlight) {
      if (entry.subject === subject) this.settle(token, entry, new PublishNotPermitted({ subject: entry.subject }))
    }
  }

  /**
   * Publishes over a connection of this publisher's own from now on, where it can (see
   * `PublishConnection`); the client still carries what that connection cannot, and every
   * retry. A publish sent over it when it is lost is sent again at once through the client,
   * with the same `Nats-Msg-Id`, so it is stored once.
   */
  useOwnConnection(server: () => string, access: NatsAccess, name = OwnConnectionName) {
    if (this.own !== undefined) return
    this.own = new PublishConnection(server, access, name, {
      answer: (token, noResponders, body) => this.answer(token, noResponders, body),
      refused: (subject) => this.refused(subject),
      lost: () => {
        for (const [token, entry] of this.inFlight) {
          if (!entry.viaOwn || entry.retryAt !== undefined) continue
          // Not an attempt of its own: the publish may not even have left.
          entry.attempt--
          this.send(token, entry)
        }
      }
    })
  }

  /** The own connection, for tests that drop it. */
  get ownConnection(): PublishConnection | undefined {
    return this.own
  }

  publish(subject: string, bytes: Uint8Array, options: PubAckOptions): Promise<PubAck> {
    return new Promise<PubAck>((resolve, reject) => this.publishThen(subject, bytes, options, resolve, reject))
  }

  /**
   * As `publish`, answering through callbacks: exactly one of them is called, once. For a batch
   * of publishes that is awaited as a whole, which then needs no promise per message.
   */
  publishThen(subject: string, bytes: Uint8Array, options: PubAckOptions, resolve: (ack: PubAck) => void, reject: (error: Error) => void): void {
    const token = String(this.next++)
    const entry: InFlight = { subject, bytes, options, resolve, reject, attempt: 0, deadline: 0, retryAt: undefined, inProcessSince: undefined, viaOwn: false }
    this.inFlight.set(token, entry)
    this.send(token, entry)
  }

  private send(token: string, entry: InFlight) {
    entry.attempt++
    entry.retryAt = undefined
    entry.deadline = Date.now() + entry.options.timeoutMs
    // A first attempt only: one not answered over the own connection is sent again through the client.
    entry.viaOwn = entry.attempt === 1 && this.own !== undefined && this.own.send(entry.subject, entry.bytes, token, entry.options)
    if (entry.viaOwn) return
    const h = makeHeaders()
    if (entry.options.msgId !== undefined) h.set("Nats-Msg-Id", entry.options.msgId)
    if (entry.options.expectedLastSubjectSequence !== undefined) {
      h.set("Nats-Expected-Last-Subject-Sequence", String(entry.options.expectedLastSubjectSequence))
    }
    if (entry.options.traceparent !== undefined) h.set(TraceparentHeader, entry.options.traceparent)
    try {
      this.nc.publish(entry.subject, entry.bytes, { reply: `${this.inbox}.${token}`, headers: h })
    } catch (error) {
      this.inFlight.delete(token)
      entry.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }

  private answer(token: string, noResponders: boolean, body: Uint8Array) {
    const entry = this.inFlight.get(token)
    if (entry === undefined) return // answered already (a late answer to an attempt we resent)
    if (noResponders) {
      // No responders: retry while attempts remain (a stream electing a leader answers again shortly).
      if (entry.attempt < entry.options.attempts) entry.retryAt = Date.now() + RetryDelayMs
      else this.settle(token, entry, new NoStreamAnswered({ subject: entry.subject }))
      return
    }
    let parsed: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } }
    try {
      parsed = JSON.parse(decoder.decode(body))
    } catch {
      return this.settle(token, entry, new Error(`unreadable PubAck for ${entry.subject}`))
    }
    if (parsed.error?.err_code === DuplicateInProcessCode || (parsed.error === undefined && parsed.duplicate === true && parsed.seq === 0)) {
      return this.inProcess(token, entry)
    }
    if (parsed.error !== undefined) {
      return this.settle(token, entry, new PublishRejected({ message: parsed.error.description ?? "rejected", code: parsed.error.err_code ?? 0, status: parsed.error.code ?? 0 }))
    }
    if (typeof parsed.stream !== "string" || typeof parsed.seq !== "number") {
      return this.settle(token, entry, new Error(`invalid PubAck for ${entry.subject}`))
    }
    this.inFlight.delete(token)
    entry.resolve({ stream: parsed.stream, seq: parsed.seq, duplicate: parsed.duplicate === true })
  }

  /**
   * JetStream holds a write with this message id in flight and does not know yet where it will
   * be stored: 2.10 answers such a duplicate with sequence 0, 2.11 and later refuse it (10158).
   * Neither says the message is stored: the write in flight may still be lost with its leader
   * (a node frozen while it led the stream, which answers when it is thawed, before it learns it
   * no longer leads). The same bytes are sent again until the answer names a sequence (the first
   * write landed, or this one is stored), for at most one timeout; then the publish fails as
   * 10158 and the caller retries later, as after any failed publish. Resends while the write is
   * in flight do not count as attempts.
   */
  private inProcess(token: string, entry: InFlight) {
    const now = Date.now()
    entry.inProcessSince ??= now
    if (now - entry.inProcessSince < entry.options.timeoutMs) {
      entry.attempt--
      entry.retryAt = now + InProcessRetryMs
      return
    }
    this.settle(
      token,
      entry,
      new PublishRejected({ message: `duplicate message id is in process: no stored copy of ${entry.subject} confirmed after ${entry.options.timeoutMs} ms`, code: DuplicateInProcessCode, status: 400 })
    )
  }

  private settle(token: string, entry: InFlight, error: Error) {
    this.inFlight.delete(token)
    entry.reject(error)
  }

  private sweep() {
    const now = Date.now()
    for (const [token, entry] of this.inFlight) {
      if (entry.retryAt !== undefined) {
        if (entry.retryAt <= now) this.send(token, entry)
      } else if (entry.deadline <= now) {
        if (entry.attempt < entry.options.attempts) this.send(token, entry)
        else this.settle(token, entry, new PubAckTimeout({ subject: entry.subject, attempts: entry.attempt, timeoutMs: entry.options.timeoutMs }))
      }
    }
  }

  private close(error: Error) {
    clearInterval(this.sweeper)
    this.own?.close()
    for (const [token, entry] of this.inFlight) this.settle(token, entry, error)
  }
}

const publishers = new WeakMap<NatsConnection, PubAcks>()

/** The connection's one PubAcks, made on first use; `inboxPrefix` as the connection was opened with. */
export const pubAcksOf = (nc: NatsConnection, inboxPrefix: string | undefined): PubAcks => {
  let p = publishers.get(nc)
  if (p === undefined) {
    p = new PubAcks(nc, inboxPrefix)
    publishers.set(nc, p)
  }
  return p
}

/** The name nats-server lists a process's own publishing connection by (`/connz`). */
export const OwnConnectionName = "wt-publish"

const ownPublishers = new WeakMap<NatsConnection, Map<string, PubAcks>>()

/**
 * The connection's publisher over a connection of its own (`PubAcks.useOwnConnection`), made on
 * first use: for batches of stored events awaited as a whole (ingest), kept apart from the
 * connection's other publishes, whose order with each other it would not keep while it opens or is lost.
 * One per `name`: what is published over one never waits in the socket behind another's (care
 * alarms behind a reconnect storm's heartbeats: nats-server reads a connection's publishes in order).
 */
export const ownPubAcksOf = (nc: NatsConnection, access: NatsAccess, name = OwnConnectionName): PubAcks => {
  let byName = ownPublishers.get(nc)
  if (byName === undefined) ownPublishers.set(nc, (byName = new Map()))
  let p = byName.get(name)
  if (p === undefined) {
    p = new PubAcks(nc, access.inboxPrefix)
    p.useOwnConnection(() => nc.getServer(), access, name)
    byName.set(name, p)
  }
  return p
}
