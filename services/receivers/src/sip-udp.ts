import { createHash } from "node:crypto"
import { createSocket } from "node:dgram"
import { Effect, Result, type Scope } from "effect"
import { parseSipMessage, type SipMessage, sipHeader, type SipRefusal } from "@wt/scaip"
import { ListenFailed } from "./listen-failed.ts"
import { type SipFlow, type SipOutgoing, topBranch } from "./sip-wire.ts"
import type { Peer } from "./tcp-frames.ts"

/** RFC 3261 §17 timers over an unreliable transport. */
export const SipTimers = {
  /** First retransmission of our MESSAGE; doubled each time up to T2. */
  t1Ms: 500,
  t2Ms: 4000,
  /** Timer F: our MESSAGE is given up after 64 × T1. Timer J: a request's answer is kept as long, for its retransmissions. */
  transactionMs: 32_000,
  /** Timer K: late copies of the unit's answer to our MESSAGE are absorbed this long. */
  t4Ms: 5000
}

/** Transactions held at once, each way: a flood cannot grow them without bound (past it, nothing is remembered). */
const MaxTransactions = 50_000

export interface SipUdpOptions<R> {
  readonly label: string
  readonly host: string
  /** 0: a free port. */
  readonly port: number
  /** Requests handled at once; past it one is dropped unanswered, and the unit retransmits it. */
  readonly maxInFlight: number
  readonly onRequest: (request: SipMessage, raw: Uint8Array, flow: SipFlow) => Effect.Effect<ReadonlyArray<SipOutgoing>, never, R>
  readonly onUnreadable: (raw: Uint8Array, refusal: SipRefusal, flow: SipFlow) => Effect.Effect<ReadonlyArray<SipOutgoing>, never, R>
  /** `matched`: it answers a MESSAGE of ours still (or lately) in its transaction. */
  readonly onResponse: (response: SipMessage, matched: boolean) => Effect.Effect<void, never, R>
  /** Counts what the transport itself decides: `dropped_busy`, `sip_retransmission`, `mrs_unanswered`, `keepalive`. */
  readonly count: (outcome: string) => Effect.Effect<void, never, R>
}

/**
 * Where a response goes (RFC 3261 §18.2.2 with RFC 3581): the address the request came from, and
 * the port it came from when the unit asked for `rport`, else the port its Via names (5060 by default).
 */
const responseTarget = (request: SipMessage, peer: Peer): Peer => {
  const via = (sipHeader(request, "Via") ?? "").split(",")[0]!
  if (/;\s*rport(?=[;,\s=]|$)/iu.test(via)) return peer
  const port = /^\s*SIP\s*\/\s*2\.0\s*\/\s*UDP\s+(?:\[[^\]]+\]|[^\s:;]+)(?::([0-9]{1,5}))?/iu.exec(via)?.[1]
  return { address: peer.address, port: port === undefined ? 5060 : Number(port) }
}

/**
 * SIP over UDP for the life of the scope: each datagram one message. Server transactions: a request's
 * retransmission is answered with the answer already given (or, while it is being handled, waits for
 * it), never handled twice. Client transactions: our MESSAGE is retransmitted from T1 doubling to T2
 * until the unit answers, for at most 32 s. No datagram makes it throw. Answers the port it got.
 * Untraced: every datagram runs in the context taken here, so a span would parent them all.
 */
export const serveSipUdp = Effect.fnUntraced(function*<R>(options: SipUdpOptions<R>): Effect.fn.Return<number, ListenFailed, R | Scope.Scope> {
  const context = yield* Effect.context<R>()
  const run = Effect.runPromiseWith(context)
  const socket = createSocket(options.host.includes(":") ? "udp6" : "udp4")
  const servers = new Map<string, { answers?: ReadonlyArray<Uint8Array>; to?: Peer }>()
  const clients = new Map<string, { timer?: ReturnType<typeof setTimeout>; answered: boolean }>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let inFlight = 0
  let closed = false

  const later = (ms: number, f: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      f()
    }, ms)
    timers.add(timer)
    return timer
  }
  const send = (bytes: Uint8Array, to: Peer) => {
    if (closed) return
    try {
      socket.send(bytes, to.port, to.address)
    } catch {
      // The socket closed under us (shutdown): the unit retransmits to whichever copy takes over.
    }
  }
  const count = (outcome: string) => void run(options.count(outcome))

  /** Our MESSAGE, sent and retransmitted until answered or given up (Timer E, Timer F). */
  const request = (branch: string, bytes: Uint8Array, to: Peer) => {
    send(bytes, to)
    if (clients.size >= MaxTransactions) return
    const entry: { timer?: ReturnType<typeof setTimeout>; answered: boolean } = { answered: false }
    clients.set(branch, entry)
    // Wall clock, as the setTimeout timers it is measured against: this runs in socket and timer callbacks, not in Effect.
    const started = Date.now()
    let interval = SipTimers.t1Ms
    const fire = () => {
      if (entry.answered) return
      if (Date.now() - started + interval > SipTimers.transactionMs) {
        clients.delete(branch)
        count("mrs_unanswered")
        return
      }
      send(bytes, to)
      interval = Math.min(interval * 2, SipTimers.t2Ms)
      entry.timer = later(interval, fire)
    }
    entry.timer = later(interval, fire)
  }

  const deliver = (outgoing: ReadonlyArray<SipOutgoing>, flow: SipFlow, answerTo: Peer) => {
    const answers: Array<Uint8Array> = []
    for (const out of outgoing) {
      if (out.kind === "request") request(out.branch, out.bytes, flow.peer)
      else {
        send(out.bytes, answerTo)
        answers.push(out.bytes)
      }
    }
    return answers
  }

  const onResponse = (response: SipMessage) => {
    const branch = topBranch(response)
    const entry = branch === undefined ? undefined : clients.get(branch)
    if (entry?.answered === true) {
      // The unit's answer again (it saw a retransmission of ours that crossed its first answer): counted once.
      count("sip_retransmission")
      return
    }
    if (entry !== undefined && (response.status ?? 0) >= 200) {
      entry.answered = true
      if (entry.timer !== undefined) clearTimeout(entry.timer)
      later(SipTimers.t4Ms, () => clients.delete(branch!))
    }
    void run(options.onResponse(response, entry !== undefined))
  }

  /**
   * One server transaction: handled once, its answers kept for 32 s (Timer J) and sent again for each
   * retransmission, which is otherwise absorbed. Bytes we cannot read are keyed by their digest, so a
   * unit retransmitting them is kept in WT_DLQ once, not once per copy.
   */
  const transact = <E>(key: string, answerTo: Peer, flow: SipFlow, work: () => Effect.Effect<ReadonlyArray<SipOutgoing>, E, R>) => {
    const known = servers.get(key)
    if (known !== undefined) {
      count("sip_retransmission")
      if (known.answers !== undefined && known.to !== undefined) for (const bytes of known.answers) send(bytes, known.to)
      return
    }
    if (inFlight >= options.maxInFlight) {
      count("dropped_busy")
      return
    }
    const entry: { answers?: ReadonlyArray<Uint8Array>; to?: Peer } = {}
    const tracked = servers.size < MaxTransactions
    if (tracked) servers.set(key, entry)
    inFlight++
    run(work().pipe(
      Effect.catchCause((cause) => Effect.as(Effect.logError(`${options.label}: a SIP request's handling failed`, cause), []))
    )).then(
      (outgoing) => {
        inFlight--
        entry.answers = deliver(outgoing, flow, answerTo)
        entry.to = answerTo
        if (tracked) later(SipTimers.transactionMs, () => servers.delete(key))
      },
      () => {
        inFlight--
        servers.delete(key)
      }
    )
  }

  socket.on("error", () => undefined)
  socket.on("message", (datagram, remote) => {
    const raw = new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength)
    const flow: SipFlow = { transport: "udp", peer: { address: remote.address, port: remote.port } }
    // A datagram of CRLFs (or empty) is a NAT keep-alive some units send: nothing to answer.
    if (raw.every((b) => b === 13 || b === 10)) {
      count("keepalive")
      return
    }
    const parsed = parseSipMessage(raw, "udp")
    const from = `${flow.peer.address}|${flow.peer.port}`
    if (Result.isFailure(parsed)) {
      const digest = createHash("sha256").update(raw).digest("base64")
      transact(`${from}|unreadable|${digest}`, flow.peer, flow, () => options.onUnreadable(raw.slice(), parsed.failure, flow))
      return
    }
    const message = parsed.success
    if (message.kind === "response") {
      onResponse(message)
      return
    }
    const key = [from, sipHeader(message, "Via"), sipHeader(message, "CSeq"), sipHeader(message, "Call-ID")].join("|")
    transact(key, responseTarget(message, flow.peer), flow, () => options.onRequest(message, raw.slice(), flow))
  })

  yield* Effect.acquireRelease(
    Effect.callback<void, Error>((resume) => {
      socket.once("error", (e) => resume(Effect.fail(e)))
      socket.bind(options.port, options.host, () => resume(Effect.void))
    }).pipe(Effect.mapError((e) => new ListenFailed({ listener: `${options.label} udp`, port: options.port, message: e.message }))),
    () =>
      Effect.callback<void>((resume) => {
        closed = true
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        socket.close(() => resume(Effect.void))
      })
  )
  return socket.address().port
})
