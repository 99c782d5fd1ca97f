import { Agent, request } from "node:http"
import { unreachable } from "./answer-channel.ts"

export interface HttpAnswer {
  readonly status: number
  readonly body: string
}

const ConnectionCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"])

export interface HttpSender {
  /**
   * One request with a deadline: the answer, undefined when none came in time or the connection
   * broke mid-way (the sender tries again), or `Unreachable` when nothing listens there.
   */
  readonly exchange: (
    url: string,
    init: { readonly method: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: string },
    timeoutMs: number
  ) => Promise<HttpAnswer | undefined>
  readonly close: () => void
}

/**
 * HTTP over connections kept alive, at most `connections` of them: node:http rather than fetch,
 * which refuses some ports outright (its "bad ports", SIP's 5060 among them) and hides why a
 * connection failed.
 */
export const httpSender = (connections: number): HttpSender => {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  return {
    exchange: (url, init, timeoutMs) =>
      new Promise<HttpAnswer | undefined>((resolve, reject) => {
        const body = init.body === undefined || init.method === "GET" ? undefined : Buffer.from(init.body)
        const req = request(url, {
          method: init.method,
          agent,
          headers: { ...init.headers, ...(body !== undefined ? { "content-length": String(body.length) } : {}) }
        }, (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () => {
            clearTimeout(timer)
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })
          })
          res.on("error", () => resolve(undefined))
        })
        const timer = setTimeout(() => {
          req.destroy()
          resolve(undefined)
        }, timeoutMs)
        req.on("error", (error: NodeJS.ErrnoException) => {
          clearTimeout(timer)
          if (ConnectionCodes.has(error.code ?? "")) reject(unreachable(new URL(url).host, error))
          else resolve(undefined)
        })
        req.end(body)
      }),
    close: () => agent.destroy()
  }
}
