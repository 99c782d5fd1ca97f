import { Effect, Layer } from "effect"
import { CareAlarmHistory, IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { TracingLive } from "@wt/observability"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { LaneWorkers } from "./lane-workers.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_TRIAGE_PORT", 8091)
  return ServiceHttp.layer({ service: "triage", port, readiness: infrastructureReadiness })
}))

const Engine = SupervisionStorms.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layerWatched, CareAlarmHistory.layer, Registry.layer))
)

/** Classifies the device lanes it is given (`WT_TRIAGE_LANES`) into incidents. */
const Triage = Layer.mergeAll(LaneWorkers, Http).pipe(
  Layer.provide(Engine),
  Layer.provideMerge(Infrastructure)
)

runService("triage", Triage.pipe(Layer.provide(TracingLive("triage"))))
