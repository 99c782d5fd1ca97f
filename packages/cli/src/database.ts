import { databaseLayer, migrate, startEmbeddedPostgres } from "@wt/db"
import { Registry } from "@wt/registry"
import { Config, Console, Effect, Layer, Option, Redacted } from "effect"
import { DataDir } from "./data-dir.ts"
import { readRuntimeInfo } from "./runtime-info.ts"

/**
 * The database a CLI command talks to: `DATABASE_URL` if set; else the one the
 * running `pnpm start` wrote to `${WT_DATA_DIR}/runtime.json`; else the embedded
 * database on that data directory, started for the duration of the command.
 * Migrations are applied, so a command works on a fresh data directory too.
 */
export const CliDatabase = Layer.unwrap(
  Effect.gen(function*() {
    const configured = yield* Config.option(Config.Redacted("DATABASE_URL"))
    const dataDir = yield* DataDir
    let url: Redacted.Redacted<string>
    if (Option.isSome(configured) && Redacted.value(configured.value) !== "") {
      url = configured.value
    } else {
      const running = readRuntimeInfo(dataDir)
      if (Option.isSome(running)) {
        url = Redacted.make(running.value.databaseUrl)
      } else {
        yield* Console.error(`wt: no running system found; opening the embedded database in ${dataDir}`)
        const embedded = yield* startEmbeddedPostgres({ dataDir })
        url = Redacted.make(embedded.url)
      }
    }
    return Layer.effectDiscard(migrate).pipe(
      Layer.provideMerge(databaseLayer({ url, poolMax: 2, applicationName: "wt-cli" }))
    )
  })
)

/** The registry over the CLI's database, for commands that read or write residents and devices. */
export const CliRegistry = Registry.layer.pipe(Layer.provideMerge(CliDatabase))
