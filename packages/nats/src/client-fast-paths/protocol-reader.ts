import { connect as tcpConnect, type Socket } from "node:net"
import { Redacted } from "effect"
import type { NatsAccess } from "../connection.ts"
import { type NatsAuth, nkeySeedOf, signNonce } from "../credentials.ts"

/**
 * What the fast paths that speak the NATS protocol over a connection of their own share: the
 * handshake (CONNECT as the connection's user, one subscription, a PING answered) and the reader
 * each parses its frames with. Apart from bulk-read.ts, whose module imports @wt/nats's
 * connection, so that the publishing connection (which that connection's publisher loads) can use it.
 */

/** The one buffer every socket read goes into: no allocation per read. */
const ReadBytes = 1024 * 1024

/** A decimal number in `buf[start, end)`, or -1. */
export const decimal = (buf: Buffer, start: number, end: number): number => {
  if (end <= start || end - start > 15) return -1
  let n = 0
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

const hostPort = (server: string) => {
  const url = new URL(server.includes("://") ? server : `nats://${server}`)
  return { host: url.hostname.replace(/^\[|\]$/gu, ""), port: Number(url.port === "" ? 4222 : url.port) }
}

/**
 * What speaks the protocol on a connection of its own: the hooks the handshake sets, and the end,
 * told once. The bulk reader and the publishing connection's answer reader each parse their frames.
 */
export abstract class ProtocolReader {
  private done = false
  onInfo: ((info: Record<string, unknown>) => void) | undefined
  onPong: (() => void) | undefined
  onEnd: (error: Error | undefined) => void = () => undefined

  protected readonly socket: Socket

  constructor(socket: Socket) {
    this.socket = socket
  }

  /** Takes the `length` bytes the socket read into `chunk` (read into again afterwards). */
  abstract data(chunk: Buffer, length: number): void

  /** Whether the read has ended, either way. */
  get finished(): boolean {
    return this.done
  }

  finish(error: Error | undefined) {
    if (this.done) return
    this.done = true
    this.onEnd(error)
  }

  /** Ends with `error`; -1, for a parser to stop where it is. */
  protected fail(error: Error): number {
    this.finish(error)
    return -1
  }

  /** A protocol line that is not a message (PING, PONG, INFO, +OK, -ERR); false when it ended the read. */
  protected controlLine(line: string): boolean {
    if (line === "PING") this.socket.write("PONG\r\n")
    else if (line === "PONG") this.onPong?.()
    else if (line.startsWith("INFO ")) {
      let info: Record<string, unknown>
      try {
        info = JSON.parse(line.slice(5)) as Record<string, unknown>
      } catch {
        return this.ended(new Error("unreadable INFO"))
      }
      this.heardInfo(info)
      this.onInfo?.(info)
    } else if (line.startsWith("-ERR")) {
      if (!this.serverError(line)) return this.ended(new Error(`server: ${line}`))
    } else if (line !== "+OK") return this.ended(new Error(`unexpected protocol line ${line.slice(0, 40)}`))
    return true
  }

  private ended(error: Error): false {
    this.finish(error)
    return false
  }

  /** What the server says of itself (INFO); a reader that keeps some of it looks here. */
  protected heardInfo(_info: Record<string, unknown>): void {}

  /** An `-ERR` this reader lives with, handled: true; otherwise the read ends. */
  protected serverError(_line: string): boolean {
    return false
  }
}

/**
 * The CONNECT fields that authenticate as the connection's user: an nkey's signature of the
 * server's nonce, or a user and password. Undefined for what this reader does not speak (a JWT
 * credentials file): the caller reads the slower way.
 */
const connectCredentials = (auth: NatsAuth, nonce: unknown): Record<string, string> | undefined => {
  switch (auth._tag) {
    case "None":
      return {}
    case "UserPassword":
      return { user: auth.user, pass: Redacted.value(auth.password) }
    case "NkeyFile":
    case "NkeySeed": {
      if (typeof nonce !== "string") return undefined
      const seed = nkeySeedOf(auth)
      return seed === undefined ? undefined : signNonce(seed, nonce)
    }
    case "CredsFile":
      return undefined
  }
}

/** How long connecting, the handshake and the subscription may take. */
const HandshakeMs = 5_000

/**
 * Opens a protocol connection named `name` and subscribes to `subscription`; resolves once the
 * server has the subscription, fails on anything else (an error, a close, no answer).
 */
export const openReader = <R extends ProtocolReader>(
  server: string,
  subscription: string,
  access: NatsAccess,
  reader: (socket: Socket) => R,
  as: { readonly name: string; readonly noResponders: boolean } = { name: "wt-bulk-read", noResponders: false }
) =>
  new Promise<{ socket: Socket; frames: R }>((resolve, reject) => {
    const { host, port } = hostPort(server)
    let frames: R | undefined
    const socket = tcpConnect({
      host,
      port,
      onread: {
        buffer: Buffer.allocUnsafe(ReadBytes),
        callback: (length: number, buf: Uint8Array) => {
          frames?.data(buf as Buffer, length)
          return true
        }
      }
    })
    socket.setNoDelay(true)
    frames = reader(socket)
    const timer = setTimeout(() => frames.finish(new Error(`no answer from ${server} within ${HandshakeMs} ms`)), HandshakeMs)
    const failed = (error: Error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    }
    frames.onEnd = (error) => failed(error ?? new Error("ended during the handshake"))
    const onClose = () => frames.finish(new Error("the server closed the connection during the handshake"))
    socket.once("error", failed)
    socket.once("close", onClose)
    frames.onInfo = (info) => {
      frames.onInfo = undefined
      if (info["tls_required"] === true) {
        failed(new Error("the server requires TLS"))
        return
      }
      const credentials = info["auth_required"] === true ? connectCredentials(access.auth, info["nonce"]) : {}
      if (credentials === undefined) {
        failed(new Error(`the server requires authentication this reader cannot give (${access.auth._tag})`))
        return
      }
      const connect = { verbose: false, pedantic: false, headers: true, no_responders: as.noResponders, protocol: 1, name: as.name, lang: "node", version: "1", ...credentials }
      socket.write(`CONNECT ${JSON.stringify(connect)}\r\nSUB ${subscription} 1\r\nPING\r\n`)
    }
    frames.onPong = () => {
      frames.onPong = undefined
      clearTimeout(timer)
      socket.off("error", failed)
      socket.off("close", onClose)
      frames.onEnd = () => undefined
      resolve({ socket, frames })
    }
  })
