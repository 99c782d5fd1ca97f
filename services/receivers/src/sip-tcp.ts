import { Effect, Result } from "effect"
import { parseSipMessage, type SipMessage, type SipRefusal, SipStreamSplitter, type SipStreamItem } from "@wt/scaip"
import type { SipFlow, SipOutgoing } from "./sip-wire.ts"
import { topBranch } from "./sip-wire.ts"
import type { ItemSplitter, Peer } from "./tcp-frames.ts"

/** One item of a SIP connection, with the branches of the MESSAGEs we sent on that connection (to know their answers). */
export interface SipTcpItem {
  readonly item: SipStreamItem
  readonly ours: Set<string>
}

/** Our MESSAGEs a connection remembers awaiting their answer; a unit that never answers cannot grow it. */
const MaxOutstanding = 64

/** A connection's framing (RFC 3261 §18.3, by Content-Length), under the SIP caps of @wt/scaip. */
export const sipTcpSplitter = (): ItemSplitter<SipTcpItem> => {
  const splitter = new SipStreamSplitter()
  const ours = new Set<string>()
  const wrap = (items: ReadonlyArray<SipStreamItem>) => items.map((item) => ({ item, ours }))
  return { push: (chunk) => wrap(splitter.push(chunk)), end: () => wrap(splitter.end()) }
}

/** After this item the stream cannot be framed: answer what can be answered, then close. */
export const sipStreamBroken = (item: SipTcpItem): boolean => item.item.kind === "broken"

export interface SipHandlers<R> {
  readonly onRequest: (request: SipMessage, raw: Uint8Array, flow: SipFlow) => Effect.Effect<ReadonlyArray<SipOutgoing>, never, R>
  readonly onUnreadable: (raw: Uint8Array, refusal: SipRefusal, flow: SipFlow) => Effect.Effect<ReadonlyArray<SipOutgoing>, never, R>
  readonly onResponse: (response: SipMessage, matched: boolean) => Effect.Effect<void, never, R>
  readonly count: (outcome: string) => Effect.Effect<void, never, R>
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array | undefined => (parts.length === 0 ? undefined : Buffer.concat(parts))

/**
 * One item of a SIP/TCP connection to the bytes written back: the answers, then our `<mrs>` MESSAGE,
 * on the same connection (RFC 3261 §18.2.2: a response goes back on the connection its request came on,
 * and a unit behind NAT can be reached on no other). No retransmissions: TCP is reliable.
 */
export const receiveSipTcpItem = Effect.fnUntraced(function*<R>(entry: SipTcpItem, peer: Peer, handlers: SipHandlers<R>): Effect.fn.Return<Uint8Array | undefined, never, R> {
  const flow: SipFlow = { transport: "tcp", peer }
  const { item, ours } = entry
  const written = (outgoing: ReadonlyArray<SipOutgoing>) => {
    for (const out of outgoing) {
      if (out.kind === "request" && ours.size < MaxOutstanding) ours.add(out.branch)
    }
    return concat(outgoing.map((o) => o.bytes))
  }
  switch (item.kind) {
    case "keepalive":
      yield* handlers.count("keepalive")
      return new TextEncoder().encode("\r\n")
    case "broken":
    case "oversized":
      return written(yield* handlers.onUnreadable(item.prefix, { kind: item.kind === "oversized" ? "too_large" : "malformed", reason: item.reason }, flow))
    case "message": {
      const parsed = parseSipMessage(item.bytes, "tcp")
      if (Result.isFailure(parsed)) return written(yield* handlers.onUnreadable(item.bytes, parsed.failure, flow))
      const message = parsed.success
      if (message.kind === "response") {
        const branch = topBranch(message)
        const matched = branch !== undefined && ours.has(branch)
        if (matched && (message.status ?? 0) >= 200) ours.delete(branch)
        yield* handlers.onResponse(message, matched)
        return undefined
      }
      return written(yield* handlers.onRequest(message, item.bytes, flow))
    }
  }
})
