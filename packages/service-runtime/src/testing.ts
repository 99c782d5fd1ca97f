// Test helpers for HTTP limits and exposure: a client that keeps sending a body for as long
// as the server lets it, and says how much went out before the answer came and in all; this
// machine's own network address; a GET that tells "refused" from an answer.
import { connect } from "node:net"
import { networkInterfaces } from "node:os"

/** An IPv4 address of this machine that is not loopback, if it has one. */
export const externalAddress: string | undefined = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && !i.internal && i.family === "IPv4")?.address

/** Status of a GET, or the network error's code (`ECONNREFUSED` …) when nothing answered. */
export const probe = async (url: string, headers: Record<string, string> = {}): Promise<number | string> => {
  try {
    return (await fetch(url, { headers, signal: AbortSignal.timeout(3000) })).status
  } catch (error) {
    return String((error as { cause?: { code?: string } }).cause?.code ?? error)
  }
}

export interface UploadOptions {
  readonly method?: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  /** Body bytes to send in all. */
  readonly bytes: number
  /** Send as `Transfer-Encoding: chunked` (no length declared); default: `Content-Length: bytes`. */
  readonly chunked?: boolean
  /** Give up when the server neither reads nor closes for this long. Default 5 s. */
  readonly stallMs?: number
}

export interface UploadResult {
  /** Status of the server's answer; undefined when none came. */
  readonly status: number | undefined
  /** The answer's body (as text). */
  readonly body: string
  /** Body bytes written before the first byte of the answer arrived. */
  readonly sentBeforeAnswer: number
  /** Body bytes written in all, before the connection ended. */
  readonly sent: number
  /** The connection was ended by the server before the whole body was written. */
  readonly cutShort: boolean
  readonly elapsedMs: number
}

const chunkSize = 64 * 1024

/**
 * Sends `bytes` of body to `url` over one plain HTTP/1.1 connection, writing on while the
 * server answers, so a test can see whether the server stopped reading (the upload is cut
 * short) or read the whole body (it is not).
 */
export const uploadUntilRefused = (url: string, options: UploadOptions): Promise<UploadResult> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const startedAt = Date.now()
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/gu, ""))
    const received: Array<Buffer> = []
    let sent = 0
    let sentBeforeAnswer: number | undefined
    let closed = false
    socket.on("data", (data: Buffer) => {
      sentBeforeAnswer ??= sent
      received.push(data)
    })
    // ECONNRESET or EPIPE: the server closed while we were still sending, which is the point.
    socket.on("error", () => undefined)
    socket.on("close", () => {
      closed = true
      const text = Buffer.concat(received).toString("latin1")
      const status = text.match(/^HTTP\/1\.1 (\d{3})/u)?.[1]
      const headEnd = text.indexOf("\r\n\r\n")
      const rawBody = headEnd < 0 ? "" : text.slice(headEnd + 4)
      const body = /transfer-encoding: chunked/iu.test(text.slice(0, headEnd)) ? unchunk(rawBody) : rawBody
      resolve({
        status: status === undefined ? undefined : Number(status),
        body,
        sentBeforeAnswer: sentBeforeAnswer ?? sent,
        sent,
        cutShort: sent < options.bytes,
        elapsedMs: Date.now() - startedAt
      })
    })
    socket.on("connect", async () => {
      const headers = {
        host: `${hostname}:${port}`,
        "content-type": "application/json",
        // So the server ends the connection once it has answered, and the result is not kept waiting.
        connection: "close",
        ...(options.chunked === true ? { "transfer-encoding": "chunked" } : { "content-length": String(options.bytes) }),
        ...options.headers
      }
      socket.write(`${options.method ?? "POST"} ${options.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`)
      // A JSON string that never ends: valid as far as it goes, so only its size can refuse it.
      const filler = Buffer.alloc(chunkSize, 0x61)
      filler[0] = 0x22
      while (sent < options.bytes && !closed && socket.writable) {
        const size = Math.min(chunkSize, options.bytes - sent)
        const piece = filler.subarray(0, size)
        const flowing = socket.write(options.chunked === true ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from("\r\n")]) : piece)
        sent += size
        if (!flowing) {
          const drained = await new Promise<boolean>((wake) => {
            const timer = setTimeout(() => wake(false), options.stallMs ?? 5000)
            socket.once("drain", () => {
              clearTimeout(timer)
              wake(true)
            })
            socket.once("close", () => {
              clearTimeout(timer)
              wake(false)
            })
          })
          if (!drained) break
        }
      }
      if (!closed && socket.writable && options.chunked === true && sent >= options.bytes) socket.write("0\r\n\r\n")
      // Whatever happened, the answer (if any) is read to the end before the result is given.
      if (!closed) setTimeout(() => socket.destroy(), options.stallMs ?? 5000).unref()
    })
  })

const unchunk = (text: string) => {
  let out = ""
  let rest = text
  while (rest.length > 0) {
    const lineEnd = rest.indexOf("\r\n")
    if (lineEnd < 0) break
    const size = parseInt(rest.slice(0, lineEnd), 16)
    if (!(size > 0)) break
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 2 + size + 2)
  }
  return out
}
