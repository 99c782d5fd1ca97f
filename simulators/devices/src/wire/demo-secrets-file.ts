import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"

/**
 * The demo secrets a simulated device needs, read from `${dataDir}/demo-secrets.json` (written by
 * `pnpm start`): what the demo's DC-09 keys derive from, and the demo vendors' webhook secrets.
 * Read only: a simulator that made up a secret would only be refused.
 */
export interface SimSecrets {
  readonly dc09KeySecret?: string
  readonly webhookSecrets: Readonly<Record<string, string>>
}

const StoredSecrets = Schema.Struct({
  dc09KeySecret: Schema.optionalKey(Schema.String),
  webhookSecrets: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
const decode = Schema.decodeUnknownExit(Schema.fromJsonString(StoredSecrets))

export class UnreadableSecrets extends Schema.TaggedError<UnreadableSecrets>()("UnreadableSecrets", {
  file: Schema.String,
  reason: Schema.String
}) {}

export const DemoSecretsFile = "demo-secrets.json"

/** The secrets, or none when the file is not there (a platform started without the demo's secrets). */
export const readSimSecrets = Effect.fn("SimSecrets.read")(function*(dataDir: string) {
  const file = join(dataDir, DemoSecretsFile)
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { webhookSecrets: {} } satisfies SimSecrets
    return yield* new UnreadableSecrets({ file, reason: (error as Error).message })
  }
  const stored = decode(text)
  if (stored._tag === "Failure") return yield* new UnreadableSecrets({ file, reason: "not the demo secrets JSON pnpm start writes" })
  return {
    ...(stored.value.dc09KeySecret !== undefined ? { dc09KeySecret: stored.value.dc09KeySecret } : {}),
    webhookSecrets: stored.value.webhookSecrets ?? {}
  } satisfies SimSecrets
})
