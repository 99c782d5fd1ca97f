import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Actor, IncidentId, IncidentRecord, IncidentState, Role } from "@wt/contracts"
import { HandoverConflict, IncidentEnded, IncidentNotFound, NotOwner } from "@wt/incident"
import { IncidentContended } from "@wt/incident-store"
import { AlreadyClaimed, Forbidden, InvalidStatusFilter, ResidentNotFound, Unauthorized } from "./api-errors.ts"
import { ReportsApi } from "./report-api.ts"
import { HandoverApi } from "./handover-api.ts"
import { ResidentCard } from "./resident-card.ts"
// Groups defined in their own files; imported here only to be added to ConsoleApi below.
import { AdminApi } from "./admin-api.ts"
import { DeviceIdentitiesApi } from "./identity-api.ts"
import { OverviewApi } from "./overview-api.ts"
import { KeySafeApi } from "./key-safe-api.ts"
import { PositionsApi } from "./positions-api.ts"
import { SessionControlApi } from "./session-control-api.ts"
import { SignInThrottled } from "./sign-in-errors.ts"

// The middleware lives in its own module so that API groups in other files can use it
// without a circular import of this one.
export { Authentication, CurrentSession, JsonOnly, SessionCookie, SessionCookieName } from "./api-middleware.ts"
import { Authentication, JsonOnly } from "./api-middleware.ts"
import { declareServerAnswers, ExactDecoding } from "@wt/service-runtime"
import { describeStream, StreamSessionEnd } from "./stream-api.ts"
import { exactApi } from "./request-validation.ts"
import { RecordId, withoutNul } from "./record-id-api.ts"
import { LanguageChoice, UserLanguage } from "./user-language.ts"

export const SessionUser = Schema.Struct({
  id: Schema.String,
  username: Schema.String,
  displayName: Schema.String,
  role: Role,
  tenants: Schema.Array(Schema.String),
  /** The web app's language the user chose; absent until they choose one (the browser's language decides until then). */
  language: Schema.optionalKey(UserLanguage)
}).annotate({ identifier: "SessionUser" })

export const SignInRequest = Schema.Struct({
  username: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128), withoutNul),
  password: Schema.String.check(Schema.isMaxLength(1024))
}).annotate({ identifier: "SignInRequest" })

export const SessionCreated = Schema.Struct({
  /**
   * Usable as `Authorization: Bearer <token>`; also set as the `wt_session` cookie. Left out
   * for a browser (a request with `Origin` or `Sec-Fetch-Site`/`Sec-Fetch-Dest`), which has
   * the HttpOnly cookie: so no page script, an injected one included, ever holds the token.
   */
  token: Schema.optionalKey(Schema.String),
  user: SessionUser
}).annotate({ identifier: "SessionCreated" })

export const TimelineEntry = Schema.Struct({
  version: Schema.Int,
  entry: Schema.Int,
  streamSeq: Schema.Int,
  kind: Schema.String,
  at: Schema.String,
  actor: Actor,
  /** In English, as the platform wrote it; a client in another language words the entry from `kind`, `alarmType` and `detail`. */
  summary: Schema.String,
  handlingCode: Schema.optionalKey(Schema.Int),
  /**
   * The alarm type the entry is about (`safety_alarm:pendant`, `technical:low_battery` …): on a
   * device event, a headline and an incident's opening; absent on other entries.
   */
  alarmType: Schema.optionalKey(Schema.String),
  /** What the entry says, as data: its fields depend on `kind` (a device event's is the event as received). */
  detail: Schema.Unknown
}).annotate({ identifier: "TimelineEntry" })

export const IncidentTimeline = Schema.Struct({
  incident: IncidentState,
  entries: Schema.Array(TimelineEntry)
}).annotate({ identifier: "IncidentTimeline" })

/** A storm incident's devices still down, read from its events (the incident holds only the counts). */
export const StormDevices = Schema.Struct({
  incidentId: IncidentId,
  /** Every device the storm has held. */
  devices: Schema.Int,
  /** Devices not heard from since they lost supervision, sorted. */
  down: Schema.Array(Schema.String)
}).annotate({ identifier: "StormDevices" })

/** The national handling-log codes a note may be filed under (see docs/domain.md). */
export const HandlingCode = Schema.Literals([0, 1, 3, 4, 5, 8, 9, 10]).annotate({ identifier: "HandlingCode" })

export const ResolveRequest = Schema.Struct({
  cause: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(4000))),
  action: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(4000))),
  note: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(4000)))
}).annotate({ identifier: "ResolveRequest" })

export const ContactRequest = Schema.Struct({
  party: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))
}).annotate({ identifier: "ContactRequest" })

export const CancelRequest = Schema.Struct({
  reason: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(4000))
}).annotate({ identifier: "CancelRequest" })

export const NoteRequest = Schema.Struct({
  text: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(4000)),
  /** Default: the code of the incident's current status. */
  handlingCode: Schema.optionalKey(HandlingCode)
}).annotate({ identifier: "NoteRequest" })

const byId = { id: IncidentId }
const commandErrors = [IncidentNotFound, AlreadyClaimed, IncidentEnded, NotOwner, HandoverConflict, IncidentContended] as const


export class SessionApi extends HttpApiGroup.make("session")
  .add(HttpApiEndpoint.post("signIn", "/session", { payload: SignInRequest, success: SessionCreated, error: [Unauthorized, SignInThrottled] }))
  .middleware(JsonOnly)
  .add(
    HttpApiEndpoint.get("current", "/session", { success: SessionUser }).middleware(Authentication),
    HttpApiEndpoint.delete("signOut", "/session", { success: HttpApiSchema.NoContent }).middleware(Authentication),
    HttpApiEndpoint.put("chooseLanguage", "/session/language", { payload: LanguageChoice, success: SessionUser })
      .middleware(JsonOnly)
      .middleware(Authentication)
      .annotate(
        OpenApi.Description,
        "Sets the web app's language for the signed-in user (`nb` Norwegian bokmål or `en` English), stored with the user: every workstation they sign in at shows it. Answers the session's user with the language."
      )
  )
  .prefix("/api")
{}

export class IncidentsApi extends HttpApiGroup.make("incidents")
  .add(
    HttpApiEndpoint.get("list", "/incidents", {
      query: { status: Schema.optional(Schema.String) },
      success: Schema.Array(IncidentState),
      error: InvalidStatusFilter
    }).annotate(
      OpenApi.Description,
      "Incidents of the caller's tenants, most urgent first, then oldest first. `status` is a comma list of statuses; `active` stands for every active status and is the default."
    ),
    HttpApiEndpoint.get("get", "/incidents/:id", { params: byId, success: IncidentState, error: IncidentNotFound }),
    HttpApiEndpoint.get("timeline", "/incidents/:id/timeline", { params: byId, success: IncidentTimeline, error: IncidentNotFound }),
    HttpApiEndpoint.get("stormDevices", "/incidents/:id/storm-devices", { params: byId, success: StormDevices, error: IncidentNotFound }).annotate(
      OpenApi.Description,
      "The devices a supervision storm still holds (lost supervision, not heard from since): residents whose alarm may not reach the centre. Empty for an incident that is not a storm."
    ),
    HttpApiEndpoint.post("claim", "/incidents/:id/claim", { params: byId, success: IncidentState, error: commandErrors }),
    HttpApiEndpoint.post("resolve", "/incidents/:id/resolve", {
      params: byId,
      payload: ResolveRequest,
      success: IncidentState,
      error: commandErrors
    }),
    HttpApiEndpoint.post("cancel", "/incidents/:id/cancel", { params: byId, payload: CancelRequest, success: IncidentState, error: commandErrors }),
    HttpApiEndpoint.post("note", "/incidents/:id/note", { params: byId, payload: NoteRequest, success: IncidentState, error: commandErrors }),
    HttpApiEndpoint.post("contact", "/incidents/:id/contact", { params: byId, payload: ContactRequest, success: IncidentState, error: commandErrors }),
    // Closing a repeated incident needs someone other than its resolver (409 otherwise).
    HttpApiEndpoint.post("close", "/incidents/:id/close", { params: byId, success: IncidentState, error: commandErrors })
  )
  .middleware(JsonOnly)
  .middleware(Authentication)
  .prefix("/api")
{}

export const ResidentLabel = Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  displayName: Schema.String,
  city: Schema.String,
  temporaryAddress: Schema.Boolean
}).annotate({ identifier: "ResidentLabel" })

export class ResidentsApi extends HttpApiGroup.make("residents")
  .add(
    HttpApiEndpoint.get("get", "/residents/:id", {
      params: { id: RecordId },
      query: { incident: Schema.optional(IncidentId) },
      success: ResidentCard,
      error: [ResidentNotFound, IncidentNotFound, Forbidden]
    }).annotate(
      OpenApi.Description,
      "The resident's full record for the resident card. Every read is audited (`record_view`: who, when, which resident); `incident` names the incident the record was opened for and must be one of the caller's, about this resident (404 otherwise). An operator reads a record only for an incident they may act on: `incident` is required and must still be active (403 otherwise); supervisors and admins may read without one."
    ),
    HttpApiEndpoint.get("labels", "/resident-labels", { query: { ids: Schema.String.check(withoutNul) }, success: Schema.Array(ResidentLabel) }).annotate(
      OpenApi.Description,
      "Name and today's town of residents of the caller's tenants (`ids`: comma list, at most 500), for queue rows. Not the record: not audited as a record view."
    )
  )
  .middleware(Authentication)
  .prefix("/api")
{}

/**
 * The operator/supervisor API. The live queue, `GET /api/stream` (server-sent events,
 * `event: incident` with `{event, state}`), is a plain route beside it, described in the
 * OpenAPI document by `describeStream`. Every endpoint that takes input answers 400
 * `InvalidRequest` for input that does not fit, and only POST and PUT check the content type
 * (`exactApi`); a body with a property its schema does not name is refused, as the document's
 * `additionalProperties: false` says.
 */
export class ConsoleApi extends exactApi(HttpApi.make("console")
  .add(SessionApi)
  .add(IncidentsApi)
  .add(ResidentsApi)
  .add(OverviewApi)
  .add(AdminApi)
  .add(DeviceIdentitiesApi)
  .add(KeySafeApi)
  .add(PositionsApi)
  .add(SessionControlApi)
  .add(ReportsApi.middleware(Authentication))
  .add(HandoverApi.middleware(JsonOnly).middleware(Authentication))
  .annotateMerge(OpenApi.annotations({
    title: "Welfare-technology response centre — console API",
    description: "Sign in with POST /api/session; then send the wt_session cookie (browsers) or Authorization: Bearer <token> (other clients: the token is in the answer unless the request came from a browser).",
    transform: (spec) => declareServerAnswers(describeStream(spec), { bodyLimit: true })
  }))
  .annotate(HttpApi.PayloadParseOptions, ExactDecoding)
  .annotate(HttpApi.AdditionalSchemas, [IncidentRecord, StreamSessionEnd]))
{}
