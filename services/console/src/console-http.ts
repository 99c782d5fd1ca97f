import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { infrastructureReadiness, ServiceHttp } from "@wt/service-runtime"
import { DeviceIdentities, RegistryAdmin } from "@wt/registry"
import { AdminHandlers } from "./admin-handlers.ts"
import { DeviceIdentityHandlers } from "./identity-handlers.ts"
import { ConsoleApi } from "./api.ts"
import { AuthenticationLive, JsonOnlyLive } from "./authentication.ts"
import { IncidentFeed } from "./incident-feed.ts"
import { FloodWatch } from "./flood-watch.ts"
import { HandoverHandlers } from "./handover-handlers.ts"
import { IncidentsHandlers } from "./incident-handlers.ts"
import { OverviewHandlers } from "./overview-handlers.ts"
import { PageRoute } from "./page-route.ts"
import { PositionsHandlers } from "./positions-handlers.ts"
import { RequestValidationLive } from "./request-validation.ts"
import { ReportHandlers } from "./report-handlers.ts"
import { ResidentHandlers } from "./resident-handlers.ts"
import { KeySafeHandlers } from "./key-safe-handlers.ts"
import { KnownDevices } from "./known-devices.ts"
import { SessionControlHandlers } from "./session-control-handlers.ts"
import { SessionHandlers } from "./session-handlers.ts"
import { Sessions } from "./sessions.ts"
import { SignInThrottle } from "./sign-in-throttle.ts"
import { StreamRoute } from "./stream-route.ts"

const ApiRoutes = HttpApiBuilder.layer(ConsoleApi, { openapiPath: "/api/openapi.json" }).pipe(
  Layer.provide([
    SessionHandlers,
    SessionControlHandlers,
    IncidentsHandlers,
    ResidentHandlers,
    KeySafeHandlers,
    PositionsHandlers,
    OverviewHandlers,
    AdminHandlers,
    DeviceIdentityHandlers,
    ReportHandlers,
    HandoverHandlers
  ]),
  Layer.provide([AuthenticationLive, JsonOnlyLive, RequestValidationLive]),
  Layer.provide([FloodWatch.layer, RegistryAdmin.layer, DeviceIdentities.layer, SignInThrottle.layer, KnownDevices.layer])
)

// Event streams never finish by themselves, so the server's graceful close would wait its
// full timeout for them. Built after the server, this is released before it: the streams
// end first (clients reconnect to another copy) and the close finds nothing left to wait for.
// A function, so each server gets its own (layers are memoized by identity).
const endStreamsBeforeServer = () =>
  Layer.effectDiscard(Effect.gen(function*() {
    yield* ServiceHttp
    const feed = yield* IncidentFeed
    yield* Effect.addFinalizer(() => feed.close)
  }))

/**
 * The console's HTTP face: the API under /api, its OpenAPI document, the live event
 * stream, the web app, and /healthz, /readyz, /metrics. Needs NATS, the SQL client,
 * IncidentStore, IncidentViews and Registry.
 */
export const ConsoleHttp = (options: {
  readonly port: number
  readonly host?: string
  /** One log line per request; default true. */
  readonly logRequests?: boolean
}) =>
  endStreamsBeforeServer().pipe(Layer.provideMerge(ServiceHttp.layer({
    service: "console",
    port: options.port,
    host: options.host,
    logRequests: options.logRequests,
    routes: Layer.mergeAll(ApiRoutes, StreamRoute, PageRoute),
    readiness: infrastructureReadiness
  })), Layer.provide(Layer.mergeAll(Sessions.layer, IncidentFeed.layer)))
