import { Effect, Layer } from "effect"
import { TracingLive } from "@wt/observability"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { IncidentProjector } from "./incident-projector.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_PROJECTOR_PORT", 8092)
  return ServiceHttp.layer({ service: "projector", port, readiness: infrastructureReadiness })
}))

runService(
  "projector",
  Layer.mergeAll(IncidentProjector, Http).pipe(Layer.provideMerge(Infrastructure), Layer.provide(TracingLive("projector")))
)
