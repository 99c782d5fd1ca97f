import { Config, Effect, Layer } from "effect"
import { CareAlarmHistory, IncidentStore, OpenIncidentIndex, SupervisionStorms } from "@wt/incident-store"
import { TracingLive } from "@wt/observability"
import { IncidentViews } from "@wt/read-models"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { EscalationWatch } from "./escalation-watch.ts"
import { LaneWorkers } from "./lane-workers.ts"
import { Supervision } from "./supervision/supervision-layer.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_TRIAGE_PORT", 8091)
  return ServiceHttp.layer({ service: "triage", port, readiness: infrastructureReadiness })
}))

const Engine = SupervisionStorms.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IncidentStore.layer, OpenIncidentIndex.layer, CareAlarmHistory.layer, IncidentViews.layer, Registry.layer))
)

/** A part of triage this process runs, unless the environment turns it off. */
const unless = <E, R>(variable: string, layer: Layer.Layer<never, E, R>) =>
  Layer.unwrap(
    Effect.map(Config.String(variable).pipe(Config.withDefault("on")), (v) => (v === "off" ? Layer.empty : layer))
  )

const Triage = Layer.mergeAll(LaneWorkers, unless("WT_TRIAGE_ESCALATION", EscalationWatch), unless("WT_TRIAGE_SUPERVISION", Supervision), Http).pipe(
  Layer.provide(Engine),
  Layer.provideMerge(Infrastructure)
)

runService("triage", Triage.pipe(Layer.provide(TracingLive("triage"))))
