import { Effect, Layer } from "effect"
import { Infrastructure, infrastructureReadiness, portConfig, runService, ServiceHttp } from "@wt/service-runtime"
import { AuditWriters } from "./audit-writers.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  const port = yield* portConfig("WT_AUDIT_PORT", 8093)
  return ServiceHttp.layer({ service: "audit", port, readiness: infrastructureReadiness })
}))

runService("audit", Layer.mergeAll(AuditWriters, Http).pipe(Layer.provideMerge(Infrastructure)))
