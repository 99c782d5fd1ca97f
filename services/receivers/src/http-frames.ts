import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { Effect, type Scope } from "effect"
import { type ListenFailed, listenScoped } from "./listen-failed.ts"
import type { Peer } from "./tcp-frames.ts"

/** One HTTP request as a protocol edge sees it: the whole body, read under the limit. */
export interface HttpFrame {
  readonly method: string
  /** Path and query, as sent. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: Uint8Array
}

export interface HttpAnswer {
  readonly status: number
  readonly contentType?: string
  readonly body?: string | Uint8Array
  /** Seconds for `Retry-After` (a sender over its rate limit). */
  readonly retryAfterS?: number
}

/** Why a request was refused before it reached the handler: too large, too slow, or not HTTP Node can read. */
export type HttpRefusalKind = "too_large" | "timeout" | "malformed"

export interface HttpFramesOptions<R> {
  readonly label: string
  readonly host: string
  /** 0: a free port. */
  readonly port: number
  /** A body over this is answered 413 before it is read whole, and the connection closed. */
  readonly maxBodyBytes: number
  /** A request that has not arrived whole in this long is answered 408. */
  readonly requestTimeoutMs: number
  readonly handle: (frame: HttpFrame, peer: Peer) => Effect.Effect<HttpAnswer, never, R>
  /** A request refused before it reached `handle` (too large, too slow): counted and kept by the caller. */
  readonly onRefused: (reasonKind: HttpRefusalKind, frame: HttpFrame, peer: Peer) => Effect.Effect<void, never, R>
}

const send = (response: ServerResponse, answer: HttpAnswer, close = false) => {
  if (response.headersSent) return
  const body = answer.body ?? ""
  response.writeHead(answer.status, {
    "content-type": answer.contentType ?? "text/plain; charset=utf-8",
    "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.byteLength,
    ...(close ? { connection: "close" } : {}),
    ...(answer.retryAfterS === undefined ? {} : { "retry-after": String(answer.retryAfterS) })
  })
  response.end(body)
}

/**
 * An HTTP listener for a protocol that rides on HTTP (OsmAnd, SCAIP over HTTP), for the life of
 * the scope. Separate from the service's own port (health, metrics), as devices are set up with
 * the protocol's port. Bodies are read under a limit and a deadline; the handler cannot fail.
 * Answers the port it listens on.
 * Untraced: every request runs in the context taken here, so a span would parent them all.
 */
export const serveHttpFrames = Effect.fnUntraced(function*<R>(options: HttpFramesOptions<R>): Effect.fn.Return<number, ListenFailed, R | Scope.Scope> {
  const server = yield* httpFrameServer(options)
  return yield* listenScoped(server, `${options.label} http`, options.host, options.port, () => server.closeAllConnections())
})

/**
 * The HTTP server of a protocol edge, not yet listening: `serveHttpFrames` listens with it, and a
 * TCP edge that also takes HTTP on its port hands it the connections that start with a request line.
 * Untraced: every request runs in the context taken here, so a span would parent them all.
 */
export const httpFrameServer = Effect.fnUntraced(function*<R>(options: Omit<HttpFramesOptions<R>, "host" | "port">): Effect.fn.Return<Server, never, R> {
  const context = yield* Effect.context<R>()
  const run = Effect.runPromiseWith(context)

  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const peer: Peer = { address: request.socket.remoteAddress ?? "?", port: request.socket.remotePort ?? 0 }
    const head = { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers }
    const refuse = (reasonKind: HttpRefusalKind, status: number, text: string, body: Uint8Array) => {
      void run(options.onRefused(reasonKind, { ...head, body }, peer))
      send(response, { status, body: text }, true)
      request.destroy()
    }
    const declared = Number(request.headers["content-length"] ?? 0)
    if (declared > options.maxBodyBytes) {
      refuse("too_large", 413, `body over ${options.maxBodyBytes} bytes`, new TextEncoder().encode(`(body of ${declared} bytes not read)`))
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const timer = setTimeout(() => {
      if (done) return
      done = true
      refuse("timeout", 408, "request not received in time", Buffer.concat(chunks))
    }, options.requestTimeoutMs)
    request.on("data", (chunk: Buffer) => {
      if (done) return
      size += chunk.byteLength
      if (size > options.maxBodyBytes) {
        done = true
        clearTimeout(timer)
        refuse("too_large", 413, `body over ${options.maxBodyBytes} bytes`, Buffer.concat(chunks))
        return
      }
      chunks.push(chunk)
    })
    request.on("error", () => {
      done = true
      clearTimeout(timer)
    })
    request.on("end", () => {
      if (done) return
      done = true
      clearTimeout(timer)
      const body = Buffer.concat(chunks)
      run(options.handle({ ...head, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }, peer).pipe(
        Effect.catchCause((cause) =>
          Effect.as(Effect.logError(`${options.label}: a request's handling failed`, cause), { status: 500, body: "internal error" })
        )
      )).then((answer) => send(response, answer), () => send(response, { status: 500, body: "internal error" }))
    })
  }

  const server = createServer(onRequest)
  server.headersTimeout = options.requestTimeoutMs
  server.requestTimeout = options.requestTimeoutMs * 2
  // A request Node's parser refuses (a target without "/", a broken header …) is answered 400
  // and kept with the bytes the parser saw, never dropped without a word.
  server.on("clientError", (error: Error & { readonly code?: string; readonly rawPacket?: Buffer }, socket) => {
    const remote = socket as Partial<Socket>
    const peer: Peer = { address: remote.remoteAddress ?? "?", port: remote.remotePort ?? 0 }
    const raw = error.rawPacket ?? Buffer.alloc(0)
    void run(options.onRefused("malformed", {
      method: "?",
      url: "?",
      headers: {},
      body: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
    }, peer))
    if (socket.writable) {
      const text = `malformed HTTP request (${error.code ?? "unreadable"})`
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
    }
    socket.destroy()
  })
  return server
})
