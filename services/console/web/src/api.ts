// The console API as the browser uses it: same origin, the HttpOnly session cookie does the
// authentication, and every POST says it is JSON (the server's CSRF rule).

export type Priority = "P1" | "P2" | "P3" | "P4"
export type Role = "operator" | "supervisor" | "admin"

export interface Actor { readonly kind: string; readonly id: string; readonly name?: string }

export interface User {
  readonly id: string
  readonly username: string
  readonly displayName: string
  readonly role: Role
  readonly tenants: ReadonlyArray<string>
}

export interface Incident {
  readonly incidentId: string
  readonly tenant: string
  readonly residentId: string
  readonly status: string
  readonly priority: Priority
  readonly category: string
  readonly owner: Actor
  readonly openedAt: string
  readonly claimedAt?: string
  readonly claimedBy?: Actor
  readonly endedAt?: string
  readonly lastEventAt: string
  readonly alarmType: string
  readonly deviceEventCount: number
  readonly version: number
  readonly repeated?: boolean
  readonly escalationLevel?: number
  readonly resolvedBy?: Actor
}

export interface TimelineEntry {
  readonly version: number
  readonly entry: number
  readonly kind: string
  readonly at: string
  readonly actor: Actor
  readonly summary: string
  readonly handlingCode?: number
  readonly detail: unknown
}

export interface Timeline { readonly incident: Incident; readonly entries: ReadonlyArray<TimelineEntry> }

export interface Address {
  readonly kind: "home" | "temporary"
  readonly street: string
  readonly postcode: string
  readonly city: string
  readonly validFrom?: string
  readonly validTo?: string
}

export interface Resident {
  readonly id: string
  readonly displayName: string
  readonly birthYear: number
  readonly language: string
  readonly addresses: ReadonlyArray<Address>
  readonly healthNotes: ReadonlyArray<string>
  readonly mobility: string
  readonly keyAccess: { readonly kind: "key_safe"; readonly code: string } | { readonly kind: "e_lock"; readonly lockId: string } | { readonly kind: "none" }
  readonly dementia: boolean
  readonly gpsLegalBasis?: string
  readonly contacts: ReadonlyArray<{ readonly name: string; readonly relation: string; readonly phone: string; readonly keyholder: boolean }>
  readonly devices: ReadonlyArray<{ readonly id: string; readonly type: string; readonly sensor?: string; readonly placement: string; readonly active: boolean }>
  readonly responsePlan: ReadonlyArray<{ readonly alarmType: string; readonly title: string; readonly steps: ReadonlyArray<string> }>
}

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
