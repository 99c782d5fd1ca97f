import { runService } from "@wt/service-runtime"
import { DispatchService } from "./dispatch-service.ts"

runService("dispatch", DispatchService)
