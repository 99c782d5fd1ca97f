export { AlreadyClaimed, InvalidStatusFilter, Unauthorized, UnsupportedMediaType } from "./api-errors.ts"
export {
  Authentication,
  CancelRequest,
  ConsoleApi,
  CurrentSession,
  HandlingCode,
  IncidentsApi,
  IncidentTimeline,
  JsonOnly,
  NoteRequest,
  ResolveRequest,
  SessionApi,
  SessionCookie,
  SessionCookieName,
  SessionCreated,
  SessionUser,
  SignInRequest,
  TimelineEntry
} from "./api.ts"
export { ConsoleConfig } from "./config.ts"
export { ConsoleHttp } from "./console-http.ts"
export { IncidentFeed } from "./incident-feed.ts"
export { hashSessionToken, Sessions, type SignedIn } from "./sessions.ts"
export { parseStatusFilter } from "./status-filter.ts"
