import { localNatsAccess, Nats, type NatsClientAccess, resolveNats } from "@wt/nats"
import { Config, Console, Effect, Layer, Option, Schema } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { DataDir } from "./data-dir.ts"
import { readRuntimeInfo } from "./runtime-info.ts"

export class NoNats extends Schema.TaggedError<NoNats>()("NoNats", { message: Schema.String }) {}

/**
 * The NATS a CLI command talks to: `NATS_URL` if set; else the one the running
 * `pnpm start` wrote to `${WT_DATA_DIR}/runtime.json`; else the data directory's
 * stored JetStream, served by a nats-server started for the duration of the
 * command (so the audit trail can be verified while the system is stopped).
 */
export const CliNats = Layer.unwrap(
  Effect.gen(function*() {
    const configured = yield* Config.option(Config.String("NATS_URL"))
    const dataDir = yield* DataDir
    // As NATS user `cli`: for NATS_URL, the credentials in the environment (NATS_NKEY_FILE …);
    // for the system `pnpm start` runs, its `cli` key in the data directory.
    const connect = (url: string, access?: NatsClientAccess) =>
      Nats.layerWith({ url, name: "wt-cli", connectTimeoutMs: 5_000, ...access }).pipe(
        Layer.catchTag("NatsConnectFailed", (error) => Layer.effect(Nats, new NoNats({ message: `cannot reach NATS at ${url}: ${error.message}` })))
      )
    if (Option.isSome(configured) && configured.value !== "") return connect(configured.value)
    const running = readRuntimeInfo(dataDir)
    if (Option.isSome(running)) return connect(running.value.natsUrl, localNatsAccess(dataDir, "cli"))
    if (!existsSync(join(dataDir, "nats"))) {
      return yield* new NoNats({ message: `no running system and no NATS store in ${dataDir}; start one with pnpm start or set NATS_URL` })
    }
    yield* Console.error(`wt: no running system found; opening the NATS store in ${dataDir}`)
    const server = yield* resolveNats({ dataDir })
    return connect(server.url, server.access?.("cli"))
  })
)
