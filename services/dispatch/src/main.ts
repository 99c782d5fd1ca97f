import { Layer } from "effect"
import { TracingLive } from "@wt/observability"
import { runService } from "@wt/service-runtime"
import { DispatchService } from "./dispatch-service.ts"

runService("dispatch", DispatchService.pipe(Layer.provide(TracingLive("dispatch"))))
