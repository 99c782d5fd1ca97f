import { Config } from "effect"
import { resolve } from "node:path"

/** `WT_DATA_DIR`, default `./.data`, as an absolute path. */
export const DataDir = Config.String("WT_DATA_DIR").pipe(
  Config.withDefault("./.data"),
  Config.map((dir) => resolve(dir))
)
