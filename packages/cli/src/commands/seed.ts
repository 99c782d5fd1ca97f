import { DemoSeeder, demoSecrets } from "@wt/registry/demo"
import { Console, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { CliRegistry } from "../database.ts"
import { DataDir } from "../data-dir.ts"

export const seed = Command.make(
  "seed",
  {
    residents: Flag.Int("residents").pipe(
      Flag.withDescription("How many demo residents to create"),
      Flag.withDefault(300)
    )
  },
  Effect.fn("cli.seed")(function*({ residents }) {
    const dataDir = yield* DataDir
    const secrets = yield* demoSecrets({ dataDir })
    const seeder = yield* DemoSeeder
    const summary = yield* seeder.seed({ ingestKey: secrets.ingestKey, password: secrets.password, residents, neighbour: true })
    yield* Console.log(
      `Seeded tenant ${summary.tenant}: ${summary.residents} residents, ${summary.devices} devices, users ${summary.users.join(", ")}.`
    )
    // The secrets themselves stay out of terminal scrollback and logs.
    yield* Console.log(`Demo ingest key and password: WT_DEMO_INGEST_KEY / WT_DEMO_PASSWORD, or ${dataDir}/demo-secrets.json`)
  })
).pipe(
  Command.provide(DemoSeeder.layer.pipe(Layer.provide(CliRegistry))),
  Command.withDescription("Create or refresh the demo tenant, its residents and devices, users and ingest key (idempotent)")
)
