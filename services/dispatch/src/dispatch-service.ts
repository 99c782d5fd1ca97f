import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import type { Nats } from "@wt/nats"
import { IncidentStore } from "@wt/incident-store"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, portConfig, type ReadinessCheck, ServiceHttp } from "@wt/service-runtime"
import { ensureAgencyStream } from "./agency-channel.ts"
import { DispatchDirectory } from "./directory.ts"
import { Dispatcher } from "./dispatcher.ts"
import { IncidentMirror } from "./incident-mirror.ts"
import { ResponderRoutes } from "./responder-http.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_DISPATCH_PORT", 8095)
  const readiness: ReadonlyArray<ReadinessCheck<Nats | SqlClient.SqlClient | IncidentMirror>> = [
    ...infrastructureReadiness,
    // Not ready until every open offer and timer has been read back from the stream.
    { name: "incidents", check: IncidentMirror.use((mirror) => Effect.succeed(mirror.caughtUp())) }
  ]
  return ServiceHttp.layer({
    service: "dispatch",
    port,
    // The responder API and its OpenAPI document (GET /openapi.json).
    routes: ResponderRoutes,
    readiness
  })
}))

/** The dispatch process: the mirror of watched incidents, the step loop and the responder API, on the shared infrastructure. */
export const DispatchService = Layer.mergeAll(Dispatcher, Http).pipe(
  Layer.provideMerge(IncidentMirror.layer),
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, Registry.layer, DispatchDirectory.layer)),
  Layer.provideMerge(Layer.effectDiscard(ensureAgencyStream)),
  Layer.provideMerge(Infrastructure)
)
