import { Effect } from "effect"
import { NodeRuntime } from "@effect/platform-node"
import { startInstallation } from "./tests/support/system.ts"
const t0 = Date.now()
NodeRuntime.runMain(Effect.scoped(Effect.gen(function*() {
  const s = yield* startInstallation({ label: "probe", residents: 40, env: { LOG_LEVEL: "debug" }, onLine: (svc, line) => { console.log(((Date.now() - t0) / 1000).toFixed(1), svc, line.slice(0, 200)) } })
  console.log("ready after", (Date.now() - t0) / 1000)
})))
