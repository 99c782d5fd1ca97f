import { Config, Option } from "effect"
import { join, resolve } from "node:path"

/**
 * A file the audit service keeps: the path in `variable` when set and not empty, else
 * `${WT_DATA_DIR:-./.data}/<under…>`, as an absolute path.
 */
export const dataDirFileConfig = (variable: string, ...under: ReadonlyArray<string>) =>
  Config.all({
    file: Config.option(Config.String(variable)),
    dataDir: Config.String("WT_DATA_DIR").pipe(Config.withDefault("./.data"))
  }).pipe(
    Config.map(({ dataDir, file }) => resolve(Option.getOrElse(Option.filter(file, (f) => f !== ""), () => join(dataDir, ...under))))
  )
