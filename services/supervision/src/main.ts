import { Effect, Layer } from "effect"
import { IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { TracingLive } from "@wt/observability"
import { IncidentViews } from "@wt/read-models"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { EscalationWatch } from "./escalation-watch.ts"
import { Supervision } from "./supervision-layer.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_SUPERVISION_PORT", 8096)
  return ServiceHttp.layer({ service: "supervision", port, readiness: infrastructureReadiness })
}))

const Engine = SupervisionStorms.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer, IncidentViews.layer, Registry.layer))
)

/** The watches for what did not happen in time: absences (silent devices, pending checks, quiet mornings) and unclaimed incidents. */
const SupervisionService = Layer.mergeAll(Supervision, EscalationWatch, Http).pipe(
  Layer.provide(Engine),
  Layer.provideMerge(Infrastructure)
)

runService("supervision", SupervisionService.pipe(Layer.provide(TracingLive("supervision"))))
