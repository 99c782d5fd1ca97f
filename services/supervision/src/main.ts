import { Effect, Layer } from "effect"
import { IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { TracingLive } from "@wt/observability"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { Supervision } from "./supervision-layer.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_SUPERVISION_PORT", 8096)
  return ServiceHttp.layer({ service: "supervision", port, readiness: infrastructureReadiness })
}))

const Engine = SupervisionStorms.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer, Registry.layer))
)

/** The watches for devices that did not report in time: silent devices, pending checks, quiet mornings (unclaimed incidents: the console's escalation watch). */
const SupervisionService = Layer.mergeAll(Supervision, Http).pipe(
  Layer.provide(Engine),
  Layer.provideMerge(Infrastructure)
)

runService("supervision", SupervisionService.pipe(Layer.provide(TracingLive("supervision"))))
