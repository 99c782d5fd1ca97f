import { Effect, Layer } from "effect"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, ingestPortConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { IngestRoute } from "./ingest-route.ts"
import { IngestWindow } from "./ingest-window.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* ingestPortConfig
  return ServiceHttp.layer({ service: "gateway", port, routes: IngestRoute, readiness: infrastructureReadiness })
}))

runService("gateway", Http.pipe(Layer.provide(Layer.mergeAll(Registry.layer, IngestWindow.layer)), Layer.provideMerge(Infrastructure)))
