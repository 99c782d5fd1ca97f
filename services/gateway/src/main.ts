import { Effect, Layer } from "effect"
import { Registry } from "@wt/registry"
import { Infrastructure, infrastructureReadiness, ingestPortConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { MaxBodyBytes } from "./ingest-batch.ts"
import { IngestRoute } from "./ingest-route.ts"
import { IngestWindow } from "./ingest-window.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* ingestPortConfig
  return ServiceHttp.layer({
    service: "gateway",
    port,
    routes: IngestRoute,
    readiness: infrastructureReadiness,
    // A batch of up to 1000 events may take 1 MiB. The route reads it itself, under that limit,
    // so an oversized batch is answered in the ingest contract's words and kept in WT_DLQ.
    bodyLimits: { routes: [{ method: "POST", path: "/v1/events", maxBytes: MaxBodyBytes, readByRoute: true }] }
  })
}))

runService("gateway", Http.pipe(Layer.provide(Layer.mergeAll(Registry.layer, IngestWindow.layer)), Layer.provideMerge(Infrastructure)))
