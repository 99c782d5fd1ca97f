import { Effect, Layer } from "effect"
import { TracingLive } from "@wt/observability"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { AuditSealing } from "./audit-sealing.ts"
import { AuditWriters } from "./audit-writers.ts"
import { publicKeyRoute } from "./public-key-route.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_AUDIT_PORT", 8093)
  const { publicKey } = yield* AuditSealing
  return ServiceHttp.layer({ service: "audit", port, routes: publicKeyRoute(publicKey), readiness: infrastructureReadiness })
}))

runService(
  "audit",
  Layer.mergeAll(AuditWriters, Http).pipe(
    Layer.provideMerge(AuditSealing.layer),
    Layer.provideMerge(Infrastructure),
    Layer.provide(TracingLive("audit"))
  )
)
