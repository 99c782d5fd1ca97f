// The console API as the browser uses it: same origin, the HttpOnly session cookie does the
// authentication, and every POST says it is JSON (the server's CSRF rule).

import type { Actor, IncidentState, Owner, Priority } from "@wt/contracts"
import type { IncidentTimeline, SessionUser, TimelineEntry as TimelineEntrySchema } from "../../src/api.ts"
import type { ResidentCard } from "../../src/resident-card.ts"

// The server's own schemas, as types only (erased in the bundle), so the page cannot drift from the API.
export type { Actor, Owner, Priority }
export type User = typeof SessionUser.Type
export type Incident = IncidentState
export type TimelineEntry = typeof TimelineEntrySchema.Type
export type Timeline = typeof IncidentTimeline.Type
export type Resident = ResidentCard

/** A refused request, with the server's words for the operator. */
export class ApiError extends Error {
  readonly status: number
  readonly body: unknown
  constructor(status: number, body: unknown) {
    const message = typeof body === "object" && body !== null && "message" in body ? String(body.message) : `request failed (${status})`
    super(message)
    this.status = status
    this.body = body
  }
}

const call = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: method === "POST" ? { "content-type": "application/json" } : {},
    ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {})
  })
  const text = await response.text()
  const parsed: unknown = text === "" ? undefined : JSON.parse(text)
  if (!response.ok) throw new ApiError(response.status, parsed)
  return parsed as A
}

const enc = encodeURIComponent

export const api = {
  signIn: (username: string, password: string) => call<{ user: User }>("POST", "/api/session", { username, password }),
  current: () => call<User>("GET", "/api/session"),
  signOut: () => call<void>("DELETE", "/api/session"),
  queue: () => call<Array<Incident>>("GET", "/api/incidents?status=active"),
  incident: (id: string) => call<Incident>("GET", `/api/incidents/${enc(id)}`),
  timeline: (id: string) => call<Timeline>("GET", `/api/incidents/${enc(id)}/timeline`),
  claim: (id: string) => call<Incident>("POST", `/api/incidents/${enc(id)}/claim`),
  contact: (id: string, party: string) => call<Incident>("POST", `/api/incidents/${enc(id)}/contact`, { party }),
  note: (id: string, text: string, handlingCode?: number) =>
    call<Incident>("POST", `/api/incidents/${enc(id)}/note`, handlingCode === undefined ? { text } : { text, handlingCode }),
  resolve: (id: string, cause: string, action: string, note: string) =>
    call<Incident>("POST", `/api/incidents/${enc(id)}/resolve`, {
      ...(cause !== "" ? { cause } : {}),
      ...(action !== "" ? { action } : {}),
      ...(note !== "" ? { note } : {})
    }),
  cancel: (id: string, reason: string) => call<Incident>("POST", `/api/incidents/${enc(id)}/cancel`, { reason }),
  close: (id: string) => call<Incident>("POST", `/api/incidents/${enc(id)}/close`),
  /** Audited on the server: who, when, this resident, for this incident. */
  resident: (residentId: string, incidentId: string) =>
    call<Resident>("GET", `/api/residents/${enc(residentId)}?incident=${enc(incidentId)}`)
}
