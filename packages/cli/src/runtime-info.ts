import { Option, Schema } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { isProcessAlive } from "@wt/nats"

/** `${WT_DATA_DIR}/runtime.json`, written by `pnpm start` so the CLI finds the running system. */
export const RuntimeInfo = Schema.Struct({
  natsUrl: Schema.String,
  databaseUrl: Schema.String,
  pid: Schema.Int
})
export type RuntimeInfo = typeof RuntimeInfo.Type

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(RuntimeInfo))

/** The running system's addresses, or none when there is no runtime.json or its process has gone. */
export const readRuntimeInfo = (dataDir: string): Option.Option<RuntimeInfo> => {
  let text: string
  try {
    text = readFileSync(join(dataDir, "runtime.json"), "utf8")
  } catch {
    return Option.none()
  }
  return Option.filter(decode(text), (info) => isProcessAlive(info.pid))
}
