import { Effect, Layer } from "effect"
import { IncidentStore, OpenIncidentIndex } from "@wt/incident-store"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { AlarmLaneWorker } from "./alarm-lane-worker.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_TRIAGE_PORT", 8091)
  return ServiceHttp.layer({ service: "triage", port, readiness: infrastructureReadiness })
}))

const Triage = Layer.mergeAll(AlarmLaneWorker, Http).pipe(
  Layer.provide(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer, Registry.layer)),
  Layer.provideMerge(Infrastructure)
)

runService("triage", Triage)
