import { createHash, randomBytes } from "node:crypto"
import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { connect, type Socket } from "node:net"
import { Effect } from "effect"

/**
 * A SCAIP unit's SIP side for end-to-end tests, written from RFC 3261 and RFC 2617 without the
 * receiver's code (@wt/scaip's SIP reader is what is under test): builds requests, reads what comes
 * back on UDP or TCP, answers the centre's MESSAGE, computes digest credentials.
 */
export interface SipText {
  readonly firstLine: string
  /** Lower-case names; repeated headers in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: string
  readonly raw: string
}

export const header = (message: SipText, name: string): string | undefined => message.headers.find(([n]) => n === name.toLowerCase())?.[1]
export const statusOf = (message: SipText): number | undefined => {
  const m = /^SIP\/2\.0 (\d{3})/u.exec(message.firstLine)
  return m === null ? undefined : Number(m[1])
}

const readText = (raw: string): SipText => {
  const end = raw.indexOf("\r\n\r\n")
  const [firstLine, ...lines] = raw.slice(0, end).split("\r\n")
  return {
    firstLine: firstLine!,
    headers: lines.map((l) => {
      const at = l.indexOf(":")
      return [l.slice(0, at).trim().toLowerCase(), l.slice(at + 1).trim()] as const
    }),
    body: raw.slice(end + 4),
    raw
  }
}

/** Whole messages at the front of a stream, by Content-Length; the rest waits for more bytes. */
const takeMessages = (buffer: string): { readonly messages: Array<SipText>; readonly rest: string } => {
  const messages: Array<SipText> = []
  let rest = buffer.replace(/^(?:\r\n)+/u, "")
  for (;;) {
    const end = rest.indexOf("\r\n\r\n")
    if (end < 0) break
    const length = Number(/\r\ncontent-length:\s*(\d+)/iu.exec(rest.slice(0, end + 2))?.[1] ?? 0)
    if (rest.length < end + 4 + length) break
    messages.push(readText(rest.slice(0, end + 4 + length)))
    rest = rest.slice(end + 4 + length).replace(/^(?:\r\n)+/u, "")
  }
  return { messages, rest }
}

const md5 = (text: string) => createHash("md5").update(text).digest("hex")

/** RFC 2617 §3.2.2 with qop=auth, from a WWW-Authenticate challenge. */
export const digestAuthorization = (challenge: string, options: { readonly username: string; readonly password: string; readonly method: string; readonly uri: string }) => {
  const param = (name: string) => new RegExp(`${name}="?([^",]*)"?`, "u").exec(challenge)?.[1] ?? ""
  const realm = param("realm")
  const nonce = param("nonce")
  const cnonce = randomBytes(8).toString("hex")
  const nc = "00000001"
  const ha1 = md5(`${options.username}:${realm}:${options.password}`)
  const ha2 = md5(`${options.method}:${options.uri}`)
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)
  return `Digest username="${options.username}", realm="${realm}", nonce="${nonce}", uri="${options.uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`
}

export const newBranch = () => `z9hG4bK${randomBytes(6).toString("hex")}`

/** A request as a unit writes it, with a right Content-Length. */
export const sipRequest = (options: {
  readonly method: string
  readonly uri: string
  readonly transport: "UDP" | "TCP"
  readonly local: string
  readonly user: string
  readonly callId: string
  readonly cseq: number
  readonly branch?: string
  readonly headers?: ReadonlyArray<string>
  readonly contentType?: string
  readonly body?: string
}) => {
  const body = options.body ?? ""
  return [
    `${options.method} ${options.uri} SIP/2.0`,
    `Via: SIP/2.0/${options.transport} ${options.local};branch=${options.branch ?? newBranch()};rport`,
    "Max-Forwards: 70",
    `From: <sip:${options.user}@${options.local}>;tag=${options.callId.slice(0, 6)}`,
    `To: <${options.uri}>`,
    `Call-ID: ${options.callId}`,
    `CSeq: ${options.cseq} ${options.method}`,
    ...(options.headers ?? []),
    ...(options.contentType === undefined ? [] : [`Content-Type: ${options.contentType}`]),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body
  ].join("\r\n")
}

/** The unit's 200 to the centre's MESSAGE (RFC 3261 §8.2.6): its Via, From, Call-ID, CSeq; To tagged. */
export const okTo = (request: SipText) =>
  [
    "SIP/2.0 200 OK",
    ...request.headers.filter(([n]) => n === "via").map(([, v]) => `Via: ${v}`),
    `From: ${header(request, "from")}`,
    `To: ${header(request, "to")};tag=unit1`,
    `Call-ID: ${header(request, "call-id")}`,
    `CSeq: ${header(request, "cseq")}`,
    "Content-Length: 0",
    "",
    ""
  ].join("\r\n")

/** Where a unit's messages go and come from; `next` waits for the first not yet taken that `matches`. */
export interface SipUnitLink {
  readonly local: string
  readonly send: (text: string | Uint8Array) => void
  readonly next: (matches: (m: SipText) => boolean, timeoutMs?: number) => Effect.Effect<SipText>
  /** Everything received (raw text, datagrams or stream), for what must not have come. */
  readonly received: () => ReadonlyArray<SipText>
  /** Every byte received, as latin1 text, keep-alive CRLFs included. */
  readonly raw: () => string
  readonly closed: () => boolean
  readonly close: () => void
}

const waiter = () => {
  const inbox: Array<SipText> = []
  const all: Array<SipText> = []
  const waiting: Array<() => void> = []
  return {
    push: (m: SipText) => {
      inbox.push(m)
      all.push(m)
      for (const w of waiting.splice(0)) w()
    },
    all: () => all,
    next: (matches: (m: SipText) => boolean, timeoutMs = 5000) =>
      Effect.promise(() =>
        new Promise<SipText>((resolve, reject) => {
          const deadline = setTimeout(() => reject(new Error(`no matching SIP message in ${timeoutMs} ms; got:\n${all.map((m) => m.firstLine).join("\n")}`)), timeoutMs)
          const look = () => {
            const at = inbox.findIndex(matches)
            if (at >= 0) {
              clearTimeout(deadline)
              resolve(inbox.splice(at, 1)[0]!)
            } else waiting.push(look)
          }
          look()
        })
      ).pipe(Effect.orDie)
  }
}

/** A unit on UDP: one socket, bound to a port of its own, sending to the centre's SIP port. */
export const udpUnit = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<SipUnitLink>((resolve) => {
        const socket: UdpSocket = createSocket("udp4")
        const box = waiter()
        let closed = false
        let raw = ""
        socket.on("message", (datagram) => {
          raw += datagram.toString("latin1")
          box.push(readText(datagram.toString("latin1")))
        })
        socket.bind(0, "127.0.0.1", () => {
          resolve({
            local: `127.0.0.1:${socket.address().port}`,
            send: (text) => socket.send(typeof text === "string" ? Buffer.from(text, "latin1") : text, port, "127.0.0.1"),
            next: box.next,
            received: box.all,
            raw: () => raw,
            closed: () => closed,
            close: () => {
              if (!closed) socket.close()
              closed = true
            }
          })
        })
      })
    ),
    (link) => Effect.sync(link.close)
  )

/** A unit on TCP: one connection to the centre's SIP port, read as a stream of messages. */
export const tcpUnit = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<SipUnitLink>((resolve) => {
        const socket: Socket = connect({ host: "127.0.0.1", port })
        const box = waiter()
        let buffer = ""
        let raw = ""
        let closed = false
        socket.on("data", (chunk) => {
          raw += chunk.toString("latin1")
          buffer += chunk.toString("latin1")
          const { messages, rest } = takeMessages(buffer)
          buffer = rest
          for (const m of messages) box.push(m)
        })
        socket.on("close", () => (closed = true))
        socket.on("error", () => (closed = true))
        socket.on("connect", () =>
          resolve({
            local: `127.0.0.1:${socket.localPort}`,
            send: (text) => socket.write(typeof text === "string" ? Buffer.from(text, "latin1") : text),
            next: box.next,
            received: box.all,
            raw: () => raw,
            closed: () => closed,
            close: () => socket.destroy()
          }))
      })
    ),
    (link) => Effect.sync(link.close)
  )
