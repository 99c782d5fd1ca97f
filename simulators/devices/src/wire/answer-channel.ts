import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { connect, type Socket } from "node:net"
import { Schema } from "effect"

/** The receiver cannot be reached at all (nothing listens, no route): the run cannot go on. */
export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", {
  endpoint: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

/** `code`: the socket error's (ECONNREFUSED …), else the error as text. */
export const unreachable = (endpoint: string, error: unknown): Unreachable => {
  const code = (error as NodeJS.ErrnoException).code ?? String(error)
  return new Unreachable({ endpoint, code, message: `${endpoint}: ${code}` })
}

/**
 * One sender's line to a receiver: writes a frame and waits for the answer `matches` accepts, or
 * resolves undefined when none came in time (the caller resends, as a transmitter does). Answers
 * that match nothing in flight (a late ACK of a frame already answered) are counted and dropped.
 */
export interface AnswerChannel {
  readonly exchange: (bytes: Uint8Array, matches: (answer: Uint8Array) => boolean, timeoutMs: number) => Promise<Uint8Array | undefined>
  readonly close: () => void
}

/** Cuts received bytes into whole answers; what is left over waits for more bytes. */
export type AnswerSplitter = (buffered: Buffer) => { readonly answers: ReadonlyArray<Buffer>; readonly rest: Buffer }

interface Waiter {
  readonly matches: (answer: Uint8Array) => boolean
  readonly resolve: (answer: Uint8Array | undefined) => void
  readonly timer: NodeJS.Timeout
  /** The connection the frame went out on: only it can answer, or end the wait by closing. */
  readonly on?: unknown
}

/**
 * A TCP connection kept open and reused for frame after frame, opened again when the receiver
 * closed it (idle timeout, restart) or an answer did not come (the connection may be stuck).
 */
export const tcpChannel = (options: { readonly host: string; readonly port: number; readonly split: AnswerSplitter; readonly onStray: () => void }): AnswerChannel => {
  const endpoint = `tcp ${options.host}:${options.port}`
  let socket: Socket | undefined
  let connecting: Promise<Socket> | undefined
  let buffered: Buffer = Buffer.alloc(0)
  let waiter: Waiter | undefined

  const settle = (answer: Uint8Array | undefined) => {
    const w = waiter
    if (w === undefined) return
    waiter = undefined
    clearTimeout(w.timer)
    w.resolve(answer)
  }
  const drop = (s: Socket) => {
    s.destroy()
    if (socket === s) {
      socket = undefined
      buffered = Buffer.alloc(0)
    }
  }
  const open = (): Promise<Socket> => {
    if (socket !== undefined && !socket.destroyed) return Promise.resolve(socket)
    connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host, port: options.port })
      s.setNoDelay(true)
      s.once("connect", () => {
        connecting = undefined
        socket = s
        buffered = Buffer.alloc(0)
        resolve(s)
      })
      s.once("error", (error) => {
        if (socket !== s) {
          connecting = undefined
          reject(unreachable(endpoint, error))
        }
      })
      s.on("error", () => drop(s))
      s.on("close", () => {
        if (socket === s) socket = undefined
        // The answer will not come on this connection: the caller resends on a new one. A connection
        // dropped earlier (after a timeout) closing late must not end the wait of a frame sent since.
        if (waiter?.on === s) settle(undefined)
      })
      s.on("data", (chunk: Buffer) => {
        if (socket !== s) return
        const { answers, rest } = options.split(buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]))
        buffered = rest
        for (const answer of answers) {
          const bytes = new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength)
          if (waiter !== undefined && waiter.on === s && waiter.matches(bytes)) settle(bytes)
          else options.onStray()
        }
      })
    })
    return connecting
  }

  return {
    exchange: async (bytes, matches, timeoutMs) => {
      const s = await open()
      return new Promise<Uint8Array | undefined>((resolve) => {
        const timer = setTimeout(() => {
          // No answer in time: this connection is not trusted again.
          settle(undefined)
          drop(s)
        }, timeoutMs)
        waiter = { matches, resolve, timer, on: s }
        s.write(bytes)
      })
    },
    close: () => {
      settle(undefined)
      if (socket !== undefined) drop(socket)
    }
  }
}

/** A UDP socket of its own: a datagram is a frame, the answer a datagram from the receiver. */
export const udpChannel = (options: { readonly host: string; readonly port: number; readonly onStray: () => void }): AnswerChannel => {
  const endpoint = `udp ${options.host}:${options.port}`
  let socket: UdpSocket | undefined
  let waiter: Waiter | undefined
  let failure: Unreachable | undefined
  const settle = (answer: Uint8Array | undefined) => {
    const w = waiter
    if (w === undefined) return
    waiter = undefined
    clearTimeout(w.timer)
    w.resolve(answer)
  }
  const open = (): UdpSocket => {
    if (socket !== undefined) return socket
    const s = createSocket(options.host.includes(":") ? "udp6" : "udp4")
    // An ICMP "port unreachable" shows as an error on the next operation: nothing listens there.
    s.on("error", (error) => {
      failure = unreachable(endpoint, error)
      settle(undefined)
    })
    s.on("message", (message) => {
      const bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
      if (waiter !== undefined && waiter.matches(bytes)) settle(bytes)
      else options.onStray()
    })
    socket = s
    return s
  }
  return {
    exchange: (bytes, matches, timeoutMs) =>
      new Promise<Uint8Array | undefined>((resolve, reject) => {
        if (failure !== undefined) return reject(failure)
        const s = open()
        const timer = setTimeout(() => settle(undefined), timeoutMs)
        waiter = { matches, resolve, timer }
        s.send(bytes, options.port, options.host, (error) => {
          if (error !== null && error !== undefined) {
            clearTimeout(timer)
            waiter = undefined
            reject(unreachable(endpoint, error))
          }
        })
      }),
    close: () => {
      settle(undefined)
      socket?.close()
      socket = undefined
    }
  }
}

/** DC-09 answers end at `<CR>`; bytes before an `<LF>` are not part of one. */
export const dc09Answers: AnswerSplitter = (buffered) => {
  const answers: Array<Buffer> = []
  let start = 0
  while (true) {
    const end = buffered.indexOf(0x0d, start)
    if (end < 0) break
    const lf = buffered.lastIndexOf(0x0a, end)
    answers.push(buffered.subarray(lf >= start ? lf : start, end + 1))
    start = end + 1
  }
  return { answers, rest: Buffer.from(buffered.subarray(start)) }
}

/** A SCAIP `<mrs>` document ends at its closing tag. */
export const mrsAnswers: AnswerSplitter = (buffered) => {
  const answers: Array<Buffer> = []
  const text = buffered.toString("latin1").toLowerCase()
  let start = 0
  while (true) {
    const end = text.indexOf("</mrs>", start)
    if (end < 0) break
    answers.push(buffered.subarray(start, end + 6))
    start = end + 6
  }
  return { answers, rest: Buffer.from(buffered.subarray(start)) }
}
