import { Effect, Layer } from "effect"
import { TracingLive } from "@wt/observability"
import { IngestLimits } from "@wt/intake"
import { DeviceIdentities, Registry } from "@wt/registry"
import { WebhookLimits } from "@wt/webhooks"
import { Infrastructure, infrastructureReadiness, ingestPortConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { MaxBodyBytes } from "./ingest-batch.ts"
import { IngestOpenApiRoute } from "./ingest-openapi.ts"
import { IngestRoute } from "./ingest-route.ts"
import { IngestWindow } from "./ingest-window.ts"
import { WebhookRoute, WebhookVendors } from "./webhook-route.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* ingestPortConfig
  return ServiceHttp.layer({
    service: "gateway",
    port,
    // The ingest routes and their OpenAPI document (GET /openapi.json).
    routes: Layer.mergeAll(IngestRoute, WebhookRoute, IngestOpenApiRoute),
    readiness: infrastructureReadiness,
    // A batch of up to 1000 events may take 1 MiB. The route reads it itself, under that limit,
    // so an oversized batch is answered in the ingest contract's words and kept in WT_DLQ.
    bodyLimits: {
      routes: [
        { method: "POST", path: "/v1/events", maxBytes: MaxBodyBytes, readByRoute: true },
        // A vendor's body is read whole by its route (the signature is over its exact bytes).
        { method: "POST", path: "/v1/webhooks/*", maxBytes: WebhookLimits.maxBodyBytes, readByRoute: true }
      ]
    }
  })
}))

runService(
  "gateway",
  Http.pipe(
    Layer.provide(Layer.mergeAll(Registry.layer, DeviceIdentities.layer, IngestWindow.layer, IngestLimits.layer, WebhookVendors.layer)),
    Layer.provideMerge(Infrastructure),
    Layer.provide(TracingLive("gateway"))
  )
)
