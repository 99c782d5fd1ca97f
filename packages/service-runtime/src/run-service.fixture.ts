// A minimal service process for run-service.test.ts: an HTTP face plus a resource whose
// release must be seen on shutdown. WT_FIXTURE_FAIL=1 makes startup fail instead. It listens
// where WT_BIND_HOST says (loopback when unset), as every service does.
import { Effect, Layer, Schema } from "effect"
import { runService, ServiceHttp } from "./index.ts"

class StartupFailed extends Schema.TaggedError<StartupFailed>()("StartupFailed", { reason: Schema.String }) {}

const Worker = Layer.effectDiscard(Effect.acquireRelease(
  process.env.WT_FIXTURE_FAIL === "1"
    ? Effect.fail(new StartupFailed({ reason: "nats unreachable" }))
    : Effect.logInfo("worker acquired"),
  () => Effect.logInfo("worker released")
))

runService("fixture-svc", Layer.mergeAll(Worker, ServiceHttp.layer({ service: "fixture-svc", port: 0 })))
