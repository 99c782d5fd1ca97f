import { Registry } from "@wt/registry"
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { CliRegistry } from "../database.ts"

const exportTenant = Command.make(
  "export",
  {
    tenant: Flag.String("tenant").pipe(Flag.withDescription("Tenant id, e.g. demo"))
  },
  Effect.fn("cli.registry.export")(function*({ tenant }) {
    const registry = yield* Registry
    const exported = yield* registry.exportTenant(tenant)
    if (exported.residents.length === 0) yield* Console.error(`wt: tenant ${tenant} has no residents`)
    yield* Console.log(JSON.stringify(exported, null, 2))
  })
).pipe(
  Command.provide(CliRegistry),
  Command.withDescription("Print the tenant's residents with their device ids and types as JSON"),
  Command.withExamples([{ command: "wt registry export --tenant demo", description: "Export the demo tenant" }])
)

export const registry = Command.make("registry").pipe(
  Command.withDescription("Residents, devices and response plans"),
  Command.withSubcommands([exportTenant])
)
