import { createSocket } from "node:dgram"
import { connect } from "node:net"
import { Effect } from "effect"

/**
 * Sends bytes over a new TCP connection and resolves with what came back once `complete` says
 * the answer is whole (or the peer closed, or the time ran out: then what there is).
 */
export const tcpExchange = (port: number, bytes: Uint8Array, options: { readonly complete: (received: Buffer) => boolean; readonly timeoutMs?: number }) =>
  Effect.promise(() =>
    new Promise<Buffer>((resolve) => {
      const chunks: Array<Buffer> = []
      const socket = connect({ host: "127.0.0.1", port })
      const done = () => {
        clearTimeout(timer)
        socket.destroy()
        resolve(Buffer.concat(chunks))
      }
      const timer = setTimeout(done, options.timeoutMs ?? 5000)
      socket.on("connect", () => socket.write(bytes))
      socket.on("data", (chunk) => {
        chunks.push(chunk)
        if (options.complete(Buffer.concat(chunks))) done()
      })
      socket.on("error", done)
      socket.on("close", done)
    })
  )

/** Sends one datagram and resolves with the first datagram back, or undefined after the timeout. */
export const udpExchange = (port: number, bytes: Uint8Array, timeoutMs = 5000) =>
  Effect.promise(() =>
    new Promise<Buffer | undefined>((resolve) => {
      const socket = createSocket("udp4")
      const timer = setTimeout(() => {
        socket.close()
        resolve(undefined)
      }, timeoutMs)
      socket.on("message", (message) => {
        clearTimeout(timer)
        socket.close()
        resolve(message)
      })
      socket.send(bytes, port, "127.0.0.1")
    })
  )

/** A DC-09 answer is whole at its closing `<CR>`. */
export const endsWithCr = (received: Buffer) => received.length > 0 && received[received.length - 1] === 0x0d
