import { Unreachable } from "./answer-channel.ts"

export interface HttpAnswer {
  readonly status: number
  readonly body: string
}

const ConnectionCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"])

/**
 * One HTTP request with a deadline: the answer, undefined when none came in time or the connection
 * broke mid-way (the sender tries again), or `Unreachable` when nothing listens there.
 */
export const httpExchange = async (
  url: string,
  init: { readonly method: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: string },
  timeoutMs: number
): Promise<HttpAnswer | undefined> => {
  try {
    const response = await fetch(url, {
      method: init.method,
      ...(init.headers !== undefined ? { headers: init.headers } : {}),
      ...(init.body !== undefined && init.method !== "GET" ? { body: init.body } : {}),
      signal: AbortSignal.timeout(timeoutMs)
    })
    return { status: response.status, body: await response.text() }
  } catch (error) {
    const code = ((error as { cause?: { code?: string } }).cause?.code) ?? ""
    if (ConnectionCodes.has(code)) throw new Unreachable(new URL(url).host, code)
    return undefined
  }
}
