import { createSocket } from "node:dgram"
import { Effect, type Scope } from "effect"
import { ListenFailed } from "./listen-failed.ts"
import type { Peer } from "./tcp-frames.ts"

export interface UdpFramesOptions<R> {
  readonly label: string
  readonly host: string
  /** 0: a free port. */
  readonly port: number
  /** Datagrams handled at once; past it one is dropped unanswered, and its sender retries as UDP senders do. */
  readonly maxInFlight: number
  readonly handle: (frame: Uint8Array, peer: Peer) => Effect.Effect<Uint8Array | undefined, never, R>
  /** Counts a datagram dropped because too many were being handled. */
  readonly onDropped: Effect.Effect<void, never, R>
}

/**
 * A UDP listener for a protocol whose datagram is one frame (DC-09 over UDP), for the life of the
 * scope: each datagram handled on its own and answered to the address it came from. Answers the
 * port it listens on.
 * Untraced: every datagram runs in the context taken here, so a span would parent them all.
 */
export const serveUdpFrames = Effect.fnUntraced(function*<R>(options: UdpFramesOptions<R>): Effect.fn.Return<number, ListenFailed, R | Scope.Scope> {
  const context = yield* Effect.context<R>()
  const run = Effect.runPromiseWith(context)
  const family = options.host.includes(":") ? "udp6" : "udp4"
  const socket = createSocket(family)
  let inFlight = 0
  socket.on("error", () => undefined)
  socket.on("message", (frame, remote) => {
    if (inFlight >= options.maxInFlight) {
      void run(options.onDropped)
      return
    }
    inFlight++
    const peer: Peer = { address: remote.address, port: remote.port }
    run(options.handle(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), peer).pipe(
      Effect.catchCause((cause) => Effect.as(Effect.logError(`${options.label}: a datagram's handling failed`, cause), undefined))
    )).then(
      (reply) => {
        inFlight--
        if (reply !== undefined) socket.send(reply, remote.port, remote.address)
      },
      () => inFlight--
    )
  })
  yield* Effect.acquireRelease(
    Effect.callback<void, Error>((resume) => {
      socket.once("error", (e) => resume(Effect.fail(e)))
      socket.bind(options.port, options.host, () => resume(Effect.void))
    }).pipe(Effect.mapError((e) => new ListenFailed({ listener: `${options.label} udp`, port: options.port, message: e.message }))),
    () => Effect.callback<void>((resume) => {
      socket.close(() => resume(Effect.void))
    })
  )
  return socket.address().port
})
