import { Result } from "effect"

/**
 * The slice of SIP (RFC 3261) that carries SCAIP. SS 91100 §9.1: every Message Request travels in
 * the body of a SIP MESSAGE with Content-Type `application/scaip+xml`; SIS-TR 91102 §7.5: the
 * receiver answers the MESSAGE with a SIP 200 and sends its `<mrs>` in a MESSAGE of its own to the
 * sender's address. Over TCP a SIP message ends where its Content-Length says (RFC 3261 §18.3);
 * over UDP a datagram is one message. Pure: reading, framing and writing bytes, no sockets.
 */

export interface SipMessage {
  readonly kind: "request" | "response"
  /** Requests: "MESSAGE", "REGISTER", "OPTIONS" … */
  readonly method?: string
  readonly requestUri?: string
  /** Responses: 200, 401 … */
  readonly status?: number
  readonly reason?: string
  /** Header lines in arrival order, names in their full form ("v" → "Via"). */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>
  readonly body: Uint8Array
}

export type SipRefusalKind = "too_large" | "malformed" | "not_scaip"

export interface SipRefusal {
  readonly kind: SipRefusalKind
  readonly reason: string
}

export const SipLimits = { maxHeaderBytes: 8192, maxBodyBytes: 8192 }

/** RFC 3261 §7.3.3 compact forms. */
const Compact: Readonly<Record<string, string>> = {
  i: "Call-ID", m: "Contact", e: "Content-Encoding", l: "Content-Length", c: "Content-Type", f: "From", s: "Subject", k: "Supported", t: "To", v: "Via"
}
const Canonical: Readonly<Record<string, string>> = Object.fromEntries(
  ["Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type", "Content-Encoding", "Max-Forwards", "Expires", "Authorization", "WWW-Authenticate", "User-Agent", "Subject", "Supported"].map((n) => [n.toLowerCase(), n])
)
const canonicalName = (name: string): string => {
  const lower = name.toLowerCase()
  return Compact[lower] ?? Canonical[lower] ?? name
}

/** The first value of a header, by any spelling of its name. */
export const sipHeader = (message: SipMessage, name: string): string | undefined => {
  const wanted = canonicalName(name)
  return message.headers.find(([n]) => n === wanted)?.[1]
}

const latin1 = new TextDecoder("latin1")
const encoder = new TextEncoder()

const findHeaderEnd = (bytes: Uint8Array, from: number, limit: number): number => {
  const last = Math.min(bytes.length, limit) - 4
  for (let i = from; i <= last; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i
  }
  return -1
}

const refuse = (kind: SipRefusalKind, reason: string): Result.Result<never, SipRefusal> => Result.fail({ kind, reason })

const RequestLine = /^([A-Z]{2,16}) (\S{1,512}) SIP\/2\.0$/u
const StatusLine = /^SIP\/2\.0 ([1-6][0-9]{2}) ?(.{0,128})$/u
const HeaderLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64})[ \t]*:[ \t]*(.*)$/u

/**
 * Reads one SIP message. Over TCP the Content-Length must be there and right; over UDP a missing one
 * means "to the end of the datagram". Any bytes give a typed result.
 */
export const parseSipMessage = (bytes: Uint8Array, transport: "tcp" | "udp" = "udp"): Result.Result<SipMessage, SipRefusal> => {
  const headerEnd = findHeaderEnd(bytes, 0, SipLimits.maxHeaderBytes + 4)
  if (headerEnd < 0) {
    return bytes.length > SipLimits.maxHeaderBytes ? refuse("too_large", `SIP headers longer than ${SipLimits.maxHeaderBytes} bytes`) : refuse("malformed", "no blank line after the SIP headers")
  }
  const lines = latin1.decode(bytes.subarray(0, headerEnd)).split("\r\n")
  const first = lines.shift() ?? ""
  const request = RequestLine.exec(first)
  const response = request === null ? StatusLine.exec(first) : null
  if (request === null && response === null) return refuse("malformed", "the first line is neither a SIP request line nor a status line")
  const headers: Array<readonly [string, string]> = []
  for (const line of lines) {
    if (/^[ \t]/u.test(line) && headers.length > 0) {
      // RFC 3261 §7.3.1 line folding: a continuation of the previous header's value.
      const [name, value] = headers[headers.length - 1]!
      headers[headers.length - 1] = [name, `${value} ${line.trim()}`]
      continue
    }
    const m = HeaderLine.exec(line)
    if (m === null) return refuse("malformed", "a header line without a name and a colon")
    headers.push([canonicalName(m[1]!), m[2]!.trim()])
  }
  const lengths = headers.filter(([n]) => n === "Content-Length").map(([, v]) => v)
  const bodyStart = headerEnd + 4
  let body: Uint8Array
  if (lengths.length === 0) {
    if (transport === "tcp") return refuse("malformed", "no Content-Length on a stream transport")
    body = bytes.subarray(bodyStart)
  } else {
    if (new Set(lengths).size > 1 || !/^[0-9]{1,7}$/u.test(lengths[0]!)) return refuse("malformed", "Content-Length is not one non-negative number")
    const length = Number(lengths[0])
    if (length > SipLimits.maxBodyBytes) return refuse("too_large", `a SIP body of ${length} bytes, more than ${SipLimits.maxBodyBytes}`)
    if (bytes.length - bodyStart < length) return refuse("malformed", "the body is shorter than its Content-Length")
    body = bytes.subarray(bodyStart, bodyStart + length)
  }
  const base = { headers, body: body.slice() }
  return Result.succeed(
    request !== null
      ? { kind: "request", method: request[1]!, requestUri: request[2]!, ...base }
      : { kind: "response", status: Number(response![1]), reason: response![2] ?? "", ...base }
  )
}

/** The SCAIP document a SIP MESSAGE carries: refused when it is another method or content type. */
export const scaipBodyOf = (message: SipMessage): Result.Result<Uint8Array, SipRefusal> => {
  if (message.kind !== "request" || message.method !== "MESSAGE") return refuse("not_scaip", `a SIP ${message.method ?? `response ${message.status}`}, not a MESSAGE`)
  const type = (sipHeader(message, "Content-Type") ?? "").split(";")[0]!.trim().toLowerCase()
  // SS 91100 names application/scaip+xml; some units label it as plain XML.
  if (type !== "application/scaip+xml" && type !== "application/xml" && type !== "text/xml") return refuse("not_scaip", `Content-Type "${type}" is not application/scaip+xml`)
  if ((sipHeader(message, "Content-Encoding") ?? "identity").toLowerCase() !== "identity") return refuse("not_scaip", "a compressed SCAIP body; send it uncompressed")
  return Result.succeed(message.body)
}

/** The user part of the From address ("sip:4790000000@arc.example" → "4790000000"): the sender's SIP account. */
export const sipFromUser = (message: SipMessage): string | undefined => {
  const from = sipHeader(message, "From")
  return from === undefined ? undefined : /sips?:([^@;>]+)@/u.exec(from)?.[1]
}

const withTag = (to: string, tag: string): string => (/;\s*tag=/iu.test(to) ? to : `${to};tag=${tag}`)

/**
 * A response to a request: Via lines, From, To (with the receiver's tag), Call-ID and CSeq copied as
 * RFC 3261 §8.2.6.2 asks, any extra headers (Contact, Expires, WWW-Authenticate …), no body.
 */
export const sipResponse = (
  request: SipMessage,
  status: number,
  reason: string,
  options: { readonly toTag: string; readonly headers?: ReadonlyArray<readonly [string, string]> }
): Uint8Array => {
  const lines = [`SIP/2.0 ${status} ${reason}`]
  for (const [name, value] of request.headers) {
    if (name === "Via" || name === "From" || name === "Call-ID" || name === "CSeq") lines.push(`${name}: ${value}`)
    if (name === "To") lines.push(`To: ${withTag(value, options.toTag)}`)
  }
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value.replace(/[\r\n]/gu, " ")}`)
  lines.push("Content-Length: 0", "", "")
  return encoder.encode(lines.join("\r\n"))
}

/**
 * A MESSAGE request carrying a SCAIP body (the receiver's `<mrs>` to the sender, or a simulated unit's
 * `<mrq>`). Branch, tag and Call-ID are the caller's, so this stays pure and testable.
 */
export const sipMessageRequest = (options: {
  readonly requestUri: string
  readonly from: string
  readonly fromTag: string
  readonly to: string
  readonly callId: string
  readonly cseq: number
  readonly via: { readonly transport: "UDP" | "TCP" | "TLS"; readonly sentBy: string; readonly branch: string }
  readonly body: string
}): Uint8Array => {
  const body = encoder.encode(options.body)
  const head = [
    `MESSAGE ${options.requestUri} SIP/2.0`,
    `Via: SIP/2.0/${options.via.transport} ${options.via.sentBy};branch=${options.via.branch}`,
    "Max-Forwards: 70",
    `From: <${options.from}>;tag=${options.fromTag}`,
    `To: <${options.to}>`,
    `Call-ID: ${options.callId}`,
    `CSeq: ${options.cseq} MESSAGE`,
    "Content-Type: application/scaip+xml",
    `Content-Length: ${body.length}`,
    "",
    ""
  ].join("\r\n")
  const out = new Uint8Array(encoder.encode(head).length + body.length)
  out.set(encoder.encode(head), 0)
  out.set(body, out.length - body.length)
  return out
}

export type SipStreamItem =
  | { readonly kind: "message"; readonly bytes: Uint8Array }
  /** RFC 5626 §4.4.1: a client's CRLFCRLF "ping"; answer it with a single CRLF "pong". */
  | { readonly kind: "keepalive" }
  /** The stream cannot be framed any more (no Content-Length, headers too long): close the connection. */
  | { readonly kind: "broken"; readonly prefix: Uint8Array; readonly reason: string }
  /** A message whose body is over the cap: skipped by its Content-Length, the stream goes on. */
  | { readonly kind: "oversized"; readonly prefix: Uint8Array; readonly reason: string }

/**
 * Frames SIP over TCP: headers to the blank line, then Content-Length bytes of body. Holds at most
 * the header cap plus the body cap; after `broken` it takes nothing more (the caller closes).
 */
export class SipStreamSplitter {
  private buffer: Uint8Array = new Uint8Array(0)
  private skip = 0
  private broken = false

  readonly push = (chunk: Uint8Array): ReadonlyArray<SipStreamItem> => {
    if (this.broken) return []
    let bytes: Uint8Array = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk)
    const items: Array<SipStreamItem> = []
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length)
        this.skip -= n
        bytes = bytes.subarray(n)
        if (this.skip > 0) break
      }
      // Keep-alives between messages: CRLFCRLF is a ping, a lone CRLF a pong (nothing to answer).
      let lead = 0
      while (lead + 1 < bytes.length && bytes[lead] === 13 && bytes[lead + 1] === 10) {
        if (lead + 3 < bytes.length && bytes[lead + 2] === 13 && bytes[lead + 3] === 10) {
          items.push({ kind: "keepalive" })
          lead += 4
        } else {
          lead += 2
        }
      }
      bytes = bytes.subarray(lead)
      if (bytes.length === 0) break
      const headerEnd = findHeaderEnd(bytes, 0, SipLimits.maxHeaderBytes + 4)
      if (headerEnd < 0) {
        if (bytes.length > SipLimits.maxHeaderBytes) return this.break(items, bytes, `SIP headers longer than ${SipLimits.maxHeaderBytes} bytes`)
        break
      }
      const head = latin1.decode(bytes.subarray(0, headerEnd))
      const lengthMatch = /\r\n(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,9})[ \t]*(?:\r\n|$)/iu.exec(`\r\n${head.split("\r\n").slice(1).join("\r\n")}`)
      if (lengthMatch === null) return this.break(items, bytes, "a SIP message without Content-Length on a stream")
      const length = Number(lengthMatch[1])
      const total = headerEnd + 4 + length
      if (length > SipLimits.maxBodyBytes) {
        items.push({ kind: "oversized", prefix: bytes.slice(0, Math.min(bytes.length, SipLimits.maxHeaderBytes)), reason: `a SIP body of ${length} bytes, more than ${SipLimits.maxBodyBytes}` })
        this.skip = total
        continue
      }
      if (bytes.length < total) break
      items.push({ kind: "message", bytes: bytes.slice(0, total) })
      bytes = bytes.subarray(total)
    }
    this.buffer = bytes.slice()
    return items
  }

  readonly end = (): ReadonlyArray<SipStreamItem> => {
    const rest = this.buffer
    this.buffer = new Uint8Array(0)
    if (this.broken || rest.length === 0) return []
    return [{ kind: "broken", prefix: rest.slice(0, SipLimits.maxHeaderBytes), reason: "the connection ended inside a SIP message" }]
  }

  get pending(): number {
    return this.buffer.length
  }

  private readonly break = (items: Array<SipStreamItem>, bytes: Uint8Array, reason: string): ReadonlyArray<SipStreamItem> => {
    this.broken = true
    this.buffer = new Uint8Array(0)
    items.push({ kind: "broken", prefix: bytes.slice(0, SipLimits.maxHeaderBytes), reason })
    return items
  }
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
