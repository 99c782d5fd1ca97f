import { randomBytes } from "node:crypto"
import { gunzipSync, inflateSync } from "node:zlib"
import { type SipMessage, sipHeader, SipLimits, sipMessageRequest, sipResponse } from "@wt/scaip"
import type { Peer } from "./tcp-frames.ts"

/** How a SIP message reached us: which transport, from where. Answers and our own MESSAGE go back the same way. */
export interface SipFlow {
  readonly transport: "udp" | "tcp"
  readonly peer: Peer
}

/**
 * What to send on the flow, in order. A request (our `<mrs>` MESSAGE) carries its branch, so a
 * UDP transport can retransmit it until the unit answers (RFC 3261 §17.1.2).
 */
export type SipOutgoing =
  | { readonly kind: "response"; readonly bytes: Uint8Array }
  | { readonly kind: "request"; readonly bytes: Uint8Array; readonly branch: string }
  /** RFC 5626 §4.4.1: the CRLF "pong" to a client's CRLFCRLF keep-alive on a connection. */
  | { readonly kind: "pong"; readonly bytes: Uint8Array }

const token = (bytes: number) => randomBytes(bytes).toString("hex")

/** The URI of a From/To/Contact value: `"Name" <sip:a@b>;tag=1` and `sip:a@b;tag=1` both give `sip:a@b`. */
export const uriOf = (value: string): string | undefined => {
  const bracketed = /<([^>]{1,512})>/u.exec(value)
  if (bracketed !== null) return bracketed[1]!.trim()
  // addr-spec without brackets: what follows ";" is the header's parameters, not the URI's (RFC 3261 §20.10).
  const bare = value.split(";")[0]!.trim()
  return /^sips?:\S{1,512}$/iu.test(bare) ? bare : undefined
}

/** The host and port of a SIP URI (`sip:arc@10.0.0.1:5070;transport=tcp` → `10.0.0.1:5070`). */
export const hostPortOf = (uri: string): string | undefined =>
  /^sips?:(?:[^@;?]*@)?(\[[0-9A-Fa-f:.]{2,64}\]|[A-Za-z0-9.-]{1,253})(?::([0-9]{1,5}))?/iu.exec(uri)?.slice(1, 3).filter((p) => p !== undefined).join(":")

/**
 * The request with `received` and `rport` set on its top Via (RFC 3261 §18.2.1, RFC 3581): a unit
 * behind NAT learns the address it was seen from, and the answer goes to where the request came from.
 */
export const withReceivedAt = (request: SipMessage, flow: SipFlow): SipMessage => {
  let done = false
  const headers = request.headers.map(([name, value]): readonly [string, string] => {
    if (name !== "Via" || done) return [name, value]
    done = true
    const top = value.split(",")[0]!
    const rest = value.slice(top.length)
    let via = top.replace(/;\s*received=[^;,]*/giu, "")
    via = /;\s*rport(?=[;,\s]|$)/iu.test(via) ? via.replace(/;\s*rport(?:=[0-9]*)?/iu, `;rport=${flow.peer.port}`) : via
    return [name, `${via};received=${flow.peer.address}${rest}`]
  })
  return { ...request, headers }
}

/** The headers every request needs before it can be answered or handled (RFC 3261 §8.1.1). */
export const missingHeader = (request: SipMessage): string | undefined => {
  for (const name of ["Via", "From", "To", "Call-ID", "CSeq"]) if (sipHeader(request, name) === undefined) return name
  const cseq = /^\s*[0-9]{1,10}\s+([A-Za-z]+)\s*$/u.exec(sipHeader(request, "CSeq")!)
  if (cseq === null) return "CSeq (a number and a method)"
  if (cseq[1] !== request.method) return `CSeq (its method ${cseq[1]} is not the request's ${request.method})`
  return undefined
}

/** A response with our To tag (fresh per answer: these requests open no dialogue to keep it for). */
export const answer = (
  request: SipMessage,
  flow: SipFlow,
  status: number,
  reason: string,
  headers: ReadonlyArray<readonly [string, string]> = []
): SipOutgoing => ({ kind: "response", bytes: sipResponse(withReceivedAt(request, flow), status, reason, { toTag: token(6), headers }) })

/** What we allow and take, for OPTIONS and 405 (RFC 3261 §20.5, §20.1). */
export const AllowedMethods = "MESSAGE, REGISTER, OPTIONS"

/**
 * Our `<mrs>` in a MESSAGE of its own (SIS-TR 91102 §7.5), addressed to the unit's address of record
 * (the From URI: the unit accepts MESSAGEs to it, §7.5), from the address the unit sent to (the To URI),
 * sent back on the flow the request came in on: the same TCP connection, or from our UDP port to the
 * address and port it came from, which is where a unit behind NAT can be reached. We keep no location
 * database: every copy of the receiver answers any unit this way.
 */
export const mrsMessage = (request: SipMessage, flow: SipFlow, mrs: string): SipOutgoing | undefined => {
  const unit = uriOf(sipHeader(request, "From") ?? "")
  const us = uriOf(sipHeader(request, "To") ?? "") ?? request.requestUri
  const sentBy = hostPortOf(request.requestUri ?? "")
  if (unit === undefined || us === undefined || sentBy === undefined) return undefined
  const branch = `z9hG4bK${token(10)}`
  const bytes = sipMessageRequest({
    requestUri: unit,
    from: us,
    fromTag: token(6),
    to: unit,
    callId: `${token(12)}@${sentBy.replace(/:[0-9]+$/u, "")}`,
    cseq: 1,
    // rport: the unit answers to the address and port our MESSAGE came from (RFC 3581), not to the name it knows us by.
    via: { transport: flow.transport === "udp" ? "UDP" : "TCP", sentBy: `${sentBy};rport`, branch },
    body: mrs
  })
  return { kind: "request", bytes, branch }
}

/** The branch of a message's top Via (a response names the transaction it answers by it). */
export const topBranch = (message: SipMessage): string | undefined => /;\s*branch=([^;,\s]{1,128})/iu.exec(sipHeader(message, "Via") ?? "")?.[1]

/**
 * A body sent compressed, as SIS-TR 91102 §7.6 suggests for a SCAIP message over 1000 bytes on UDP
 * ("Content-Encoding: deflate", or gzip), read back into a plain one: decompressed under the SIP body cap
 * (so a small bomb cannot grow past it), the encoding header gone. `undefined`: not compressed, or not
 * in an encoding we read (the caller refuses it). A `string`: why it cannot be read.
 */
export const inflatedBody = (message: SipMessage): SipMessage | string | undefined => {
  const encoding = (sipHeader(message, "Content-Encoding") ?? "identity").trim().toLowerCase()
  if (encoding === "identity") return undefined
  const inflate = encoding === "deflate" ? inflateSync : encoding === "gzip" || encoding === "x-gzip" ? gunzipSync : undefined
  if (inflate === undefined) return undefined
  try {
    const body = inflate(message.body, { maxOutputLength: SipLimits.maxBodyBytes })
    return { ...message, headers: message.headers.filter(([n]) => n !== "Content-Encoding"), body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }
  } catch (e) {
    return `a ${encoding} body that does not decompress within ${SipLimits.maxBodyBytes} bytes (${e instanceof Error && "code" in e ? String(e.code) : "unreadable"})`
  }
}
