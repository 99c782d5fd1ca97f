// The console API as the browser uses it: same origin, the HttpOnly session cookie does the
// authentication, and every POST says it is JSON (the server's CSRF rule).

import type { Actor, IncidentState, Owner, Priority } from "@wt/contracts"
import type { IncidentTimeline, SessionUser, TimelineEntry as TimelineEntrySchema } from "../../src/api.ts"
import type { ResidentCard } from "../../src/resident-card.ts"
import type { ResidentLabel as ResidentLabelSchema } from "../../src/api.ts"
import type { Overview as OverviewSchema } from "../../src/overview-api.ts"
import type {
  ContactsInput,
  DeviceInput as DeviceInputSchema,
  DeviceRecord as DeviceRecordSchema,
  PlanInput as PlanInputSchema,
  PlanRecord as PlanRecordSchema,
  ResidentInput as ResidentInputSchema,
  ResidentSummary as ResidentSummarySchema,
  UserInput as UserInputSchema,
  UserRecord as UserRecordSchema
} from "../../src/admin-api.ts"
import type { WireIdentityInput as WireIdentityInputSchema, WireIdentityView as WireIdentityViewSchema } from "../../src/identity-api.ts"
import type { ResidentPositions as ResidentPositionsSchema } from "../../src/positions-api.ts"
import { type Language, t } from "./i18n.ts"

// The server's own schemas, as types only (erased in the bundle), so the page cannot drift from the API.
export type { Actor, Owner, Priority }
export type User = typeof SessionUser.Type
export type Incident = IncidentState
export type TimelineEntry = typeof TimelineEntrySchema.Type
export type Timeline = typeof IncidentTimeline.Type
export type Resident = ResidentCard
export type ResidentLabel = typeof ResidentLabelSchema.Type
export type Overview = typeof OverviewSchema.Type
export type ResidentInput = typeof ResidentInputSchema.Encoded
export type Contacts = typeof ContactsInput.Encoded
export type DeviceInput = typeof DeviceInputSchema.Encoded
export type DeviceRecord = typeof DeviceRecordSchema.Type
export type PlanInput = typeof PlanInputSchema.Encoded
export type PlanRecord = typeof PlanRecordSchema.Type
export type UserInput = typeof UserInputSchema.Encoded
export type UserRecord = typeof UserRecordSchema.Type
export type ResidentSummary = typeof ResidentSummarySchema.Type
export type WireIdentityView = typeof WireIdentityViewSchema.Type
export type WireProtocol = WireIdentityView["protocol"]
/** As sent: the DC-09 key a plain string (or null to remove it), never read back. */
export type WireIdentityInput = typeof WireIdentityInputSchema.Encoded
export type ResidentPositions = typeof ResidentPositionsSchema.Type

/** A refused request, with the server's words for the operator. */
export class ApiError extends Error {
  readonly status: number
  readonly body: unknown
  constructor(status: number, body: unknown) {
    // The API says why in `message`; the service runtime's own refusals (413) in `error`.
    const message = typeof body === "object" && body !== null && "message" in body
      ? String(body.message)
      : typeof body === "object" && body !== null && "error" in body
      ? String(body.error)
      : t().errors.requestFailed(status)
    super(message)
    this.status = status
    this.body = body
  }
}

// Never a token: the answer to sign-in carries none for a browser, and the HttpOnly cookie,
// out of every script's reach, authenticates each request.
const call = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: method === "POST" || method === "PUT" ? { "content-type": "application/json" } : {},
    ...(method === "POST" || method === "PUT" ? { body: JSON.stringify(body ?? {}) } : {})
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
  /** Ends every session of this user, on every workstation. */
  signOutEverywhere: () => call<void>("POST", "/api/session/sign-out-everywhere"),
  /** The user's language, kept with the user on the server. */
  chooseLanguage: (language: Language) => call<User>("PUT", "/api/session/language", { language }),
  /** Tells the server the user is at the keyboard: any authenticated request restarts the idle timeout. */
  stillHere: () => call<User>("GET", "/api/session"),
  queue: () => call<Array<Incident>>("GET", "/api/incidents?status=active"),
  /** Incidents in the given statuses (comma list; `active` for every unfinished one). */
  incidentsIn: (statuses: string) => call<Array<Incident>>("GET", `/api/incidents?status=${enc(statuses)}`),
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
    call<Resident>("GET", `/api/residents/${enc(residentId)}?incident=${enc(incidentId)}`),
  /** The key-safe code, which the card never carries; each reveal is its own audit entry. */
  revealKeySafeCode: (residentId: string, incidentId: string) =>
    call<{ residentId: string; code: string }>("POST", `/api/residents/${enc(residentId)}/key-safe-code?incident=${enc(incidentId)}`),
  /** Each GPS tracker's positions of the last `minutes`; audited on the server like the card. */
  positions: (residentId: string, incidentId: string | undefined, minutes: number) =>
    call<ResidentPositions>("GET", `/api/residents/${enc(residentId)}/positions?minutes=${minutes}${incidentId === undefined ? "" : `&incident=${enc(incidentId)}`}`),
  /** Names for queue rows; not the record, not audited. */
  residentLabels: (ids: ReadonlyArray<string>) => call<Array<ResidentLabel>>("GET", `/api/resident-labels?ids=${ids.map(enc).join(",")}`),
  overview: () => call<Overview>("GET", "/api/overview"),
  admin: {
    residents: () => call<Array<ResidentSummary>>("GET", "/api/admin/residents"),
    /** Audited as a record view, like the operator's card. */
    resident: (id: string) => call<Resident>("GET", `/api/admin/residents/${enc(id)}`),
    putResident: (id: string, input: ResidentInput) => call<void>("PUT", `/api/admin/residents/${enc(id)}`, input),
    putContacts: (id: string, contacts: Contacts) => call<void>("PUT", `/api/admin/residents/${enc(id)}/contacts`, contacts),
    devices: () => call<Array<DeviceRecord>>("GET", "/api/admin/devices"),
    putDevice: (id: string, input: DeviceInput) => call<DeviceRecord>("PUT", `/api/admin/devices/${enc(id)}`, input),
    /** Of a DC-09 key only its last four digits (`keyHint`): the key is never sent back. */
    identities: (tenant: string, id: string) => call<Array<WireIdentityView>>("GET", `/api/admin/devices/${enc(tenant)}/${enc(id)}/identities`),
    putIdentity: (tenant: string, id: string, protocol: WireProtocol, input: WireIdentityInput) =>
      call<WireIdentityView>("PUT", `/api/admin/devices/${enc(tenant)}/${enc(id)}/identities/${protocol}`, input),
    removeIdentity: (tenant: string, id: string, protocol: WireProtocol) =>
      call<void>("DELETE", `/api/admin/devices/${enc(tenant)}/${enc(id)}/identities/${protocol}`),
    plans: () => call<Array<PlanRecord>>("GET", "/api/admin/plans"),
    putPlan: (id: string, input: PlanInput) => call<PlanRecord>("PUT", `/api/admin/plans/${enc(id)}`, input),
    users: () => call<Array<UserRecord>>("GET", "/api/admin/users"),
    putUser: (id: string, input: UserInput) => call<UserRecord>("PUT", `/api/admin/users/${enc(id)}`, input)
  }
}
