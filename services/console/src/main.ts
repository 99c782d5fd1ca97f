import { Effect, Layer } from "effect"
import { IncidentStore } from "@wt/incident-store"
import { TracingLive } from "@wt/observability"
import { IncidentViews } from "@wt/read-models"
import { Registry } from "@wt/registry"
import { httpPortConfig, Infrastructure, runService } from "@wt/service-runtime"
import { ConsoleHttp } from "./console-http.ts"
import { EscalationWatch } from "./escalation-watch.ts"

const Http = Layer.unwrap(Effect.gen(function*() {
  return ConsoleHttp({ port: yield* httpPortConfig })
}))

/** The operators' queue, and the watch that raises on it the incidents left waiting unclaimed. */
const Console = Layer.mergeAll(Http, EscalationWatch)

runService(
  "console",
  Console.pipe(
    Layer.provide([IncidentStore.layer, IncidentViews.layer, Registry.layer]),
    Layer.provideMerge(Infrastructure),
    Layer.provide(TracingLive("console"))
  )
)
