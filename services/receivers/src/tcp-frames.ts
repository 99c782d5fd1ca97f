import type { Server } from "node:http"
import { createServer, type Socket } from "node:net"
import { Effect, type Scope } from "effect"
import { type ListenFailed, listenScoped } from "./listen-failed.ts"

/**
 * Cuts a connection's bytes into items (frames, and runs of bytes that were no frame); one per
 * connection, as a frame may arrive in pieces. It holds at most about a frame's worth of bytes.
 */
export interface ItemSplitter<I> {
  readonly push: (chunk: Uint8Array) => ReadonlyArray<I>
  /** The connection ended: what was left open. */
  readonly end: () => ReadonlyArray<I>
}

export interface Peer {
  readonly address: string
  readonly port: number
}

export interface TcpFramesOptions<I, R> {
  /** For logs: `dc09`, `scaip`. */
  readonly label: string
  readonly host: string
  /** 0: a free port. */
  readonly port: number
  /** Connections held at once; one more is closed at once (a unit retries, a flood does not pile up). */
  readonly maxConnections: number
  /** A connection silent this long is closed, so half-sent frames cannot hold sockets forever. */
  readonly idleTimeoutMs: number
  readonly splitter: () => ItemSplitter<I>
  /** The answer to one item (undefined: none), in arrival order per connection. Must not fail. */
  readonly handle: (item: I, peer: Peer) => Effect.Effect<Uint8Array | undefined, never, R>
  /** Also HTTP on the same port: a connection whose first bytes are a request line goes to this server. */
  readonly http?: Server
  /** An item after which the stream cannot be framed any more: its answer is written, then the connection closed. */
  readonly closeAfter?: (item: I) => boolean
}

const HttpRequestLine = /^(?:GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH) /u

/**
 * A TCP listener for a framed alarm protocol, for the life of the scope. A connection's frames
 * are handled one after another and its socket is paused meanwhile: a sender waiting for its
 * answer gets it in order, and a sender that does not wait is slowed to the pace of the store,
 * never buffered without bound. No bytes make it throw: a frame's handling cannot fail, socket
 * errors (a peer gone) end that connection only. Answers the port it listens on.
 * Untraced: every frame runs in the context taken here, so a span would parent them all.
 */
export const serveTcpFrames = Effect.fnUntraced(function*<I, R>(options: TcpFramesOptions<I, R>): Effect.fn.Return<number, ListenFailed, R | Scope.Scope> {
  const context = yield* Effect.context<R>()
  const run = Effect.runPromiseWith(context)
  const sockets = new Set<Socket>()

  const onConnection = (socket: Socket) => {
    if (sockets.size >= options.maxConnections) {
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.setTimeout(options.idleTimeoutMs, () => socket.destroy())
    socket.on("error", () => socket.destroy())
    socket.on("close", () => sockets.delete(socket))
    const peer: Peer = { address: socket.remoteAddress ?? "?", port: socket.remotePort ?? 0 }
    const splitter = options.splitter()
    const answer = (bytes: Uint8Array | undefined) => {
      if (bytes !== undefined && !socket.destroyed) socket.write(bytes)
    }
    // One item at a time per connection, in order; the socket is paused while its items are handled.
    let queue: Promise<void> = Promise.resolve()
    const handleAll = (items: ReadonlyArray<I>) => {
      if (items.length === 0) return
      socket.pause()
      const work = Effect.gen(function*() {
        for (const item of items) {
          answer(yield* options.handle(item, peer))
          if (options.closeAfter?.(item) === true) {
            socket.end()
            return
          }
        }
      }).pipe(Effect.catchCause((cause) => Effect.logError(`${options.label}: handling a frame failed`, cause)))
      queue = queue.then(() => run(work)).then(
        () => {
          if (!socket.destroyed) socket.resume()
        },
        () => {
          socket.destroy()
        }
      )
    }
    const onData = (chunk: Buffer) => handleAll(splitter.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
    socket.once("data", (first: Buffer) => {
      if (options.http !== undefined && HttpRequestLine.test(first.subarray(0, 8).toString("latin1"))) {
        // An HTTP client: the bytes go back on the socket and the HTTP server takes the connection.
        sockets.delete(socket)
        socket.removeAllListeners("data")
        socket.removeAllListeners("end")
        socket.setTimeout(0)
        socket.pause()
        socket.unshift(first)
        options.http.emit("connection", socket)
        socket.resume()
        return
      }
      socket.on("data", onData)
      onData(first)
    })
    socket.on("end", () => {
      handleAll(splitter.end())
      void queue.then(() => socket.end())
    })
  }

  // Half-open: a sender that ends its side after its last frame still gets that frame's answer.
  const server = createServer({ allowHalfOpen: true }, onConnection)
  server.on("error", () => undefined)
  return yield* listenScoped(server, `${options.label} tcp`, options.host, options.port, () => {
    for (const socket of sockets) socket.destroy()
  })
})
