import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { accessLog } from "./commands/access-log.ts"
import { audit } from "./commands/audit.ts"
import { fhir } from "./commands/fhir.ts"
import { registry } from "./commands/registry.ts"
import { report } from "./commands/report.ts"
import { responders } from "./commands/responders.ts"
import { seed } from "./commands/seed.ts"
import { timeline } from "./commands/timeline.ts"

// One file per command under ./commands, each providing the services it needs,
// so `wt --help` touches no database.
const wt = Command.make("wt").pipe(
  Command.withDescription("Welfare-technology response centre: administration and supervision"),
  Command.withSubcommands([seed, registry, audit, timeline, accessLog, report, fhir, responders])
)

wt.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
