import { Effect } from "effect"
import { eventually as pollUntil } from "@wt/nats/testing"

export interface Answer<A = any> {
  readonly status: number
  readonly body: A
  readonly headers: Headers
}

/** A fetch that never throws: status and parsed body (text when not JSON). */
export const request = <A = any>(url: string, init: RequestInit = {}) =>
  Effect.promise(async (): Promise<Answer<A>> => {
    const response = await fetch(url, init)
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: response.status, body: body as A, headers: response.headers }
  })

export const postJson = <A = any>(url: string, body: unknown, headers: Record<string, string> = {}) =>
  request<A>(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) })

/** Signs in and returns the bearer token. */
export const signIn = (consoleUrl: string, username: string, password: string) =>
  Effect.map(postJson<{ token: string }>(`${consoleUrl}/api/session`, { username, password }), (a) => {
    if (a.status !== 200) throw new Error(`sign-in as ${username} failed: ${a.status} ${JSON.stringify(a.body)}`)
    return a.body.token
  })

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Polls until `check` yields a value (a failed check is tried again), or dies after the timeout. */
export const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>, timeoutMs = 5000, intervalMs = 20): Effect.Effect<A, never, R> =>
  Effect.map(pollUntil(check, (value) => value !== undefined, "the condition", { timeoutMs, intervalMs }), (value) => value as A)

/** Waits until the resident has an incident in the queue (`status` filter, default open) and returns it. */
export const queuedIncident = (
  consoleUrl: string,
  token: string,
  residentId: string,
  options: { readonly status?: string; readonly timeoutMs?: number; readonly intervalMs?: number } = {}
) =>
  eventually(
    Effect.map(request<Array<any>>(`${consoleUrl}/api/incidents?status=${options.status ?? "open"}`, { headers: bearer(token) }), (a) =>
      Array.isArray(a.body) ? a.body.find((i: any) => i.residentId === residentId) : undefined),
    options.timeoutMs ?? 5000,
    options.intervalMs ?? 20
  )
