import { createHash, hkdfSync, randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Config, Effect, Option, Redacted, Schema } from "effect"
import { keepSecretFilePrivate, writeSecretFileOnce } from "./secret-file.ts"

/**
 * The installation key: 32 random bytes that seal secrets the database keeps (key-safe codes)
 * and that never go into the database, the logs or the audit trail. Each use derives its own
 * key from it (HKDF, see {@link deriveKey}), so one installation key serves every purpose
 * without one purpose's ciphertexts being usable for another.
 */
export interface InstallationKey {
  /** Names the key in every sealed value, so a value sealed under another key is told apart from a tampered one. */
  readonly keyId: string
  readonly secret: Redacted.Redacted<Buffer>
}

export class InstallationKeyError extends Schema.TaggedError<InstallationKeyError>()("InstallationKeyError", {
  message: Schema.String
}) {}

const KeyBytes = 32

export const installationKeyOf = (secret: Buffer): InstallationKey => ({
  keyId: createHash("sha256").update("wt.installation-key-id/v1\0").update(secret).digest("hex").slice(0, 16),
  secret: Redacted.make(secret)
})

/**
 * `WT_INSTALLATION_KEY` (64 hex digits, e.g. `openssl rand -hex 32`: the same for every process
 * of an installation that runs on several machines), else the file `WT_INSTALLATION_KEY_FILE`,
 * default `${WT_DATA_DIR:-./.data}/secrets/installation.key`, generated on first use (mode 0600).
 */
export const InstallationKeyConfig = Config.all({
  key: Config.option(Config.Redacted("WT_INSTALLATION_KEY")),
  file: Config.option(Config.String("WT_INSTALLATION_KEY_FILE")),
  dataDir: Config.String("WT_DATA_DIR").pipe(Config.withDefault("./.data"))
}).pipe(
  Config.map(({ dataDir, file, key }) => ({
    key: Option.filter(key, (k) => Redacted.value(k) !== ""),
    file: resolve(Option.getOrElse(Option.filter(file, (f) => f !== ""), () => join(dataDir, "secrets", "installation.key")))
  }))
)
export type InstallationKeySource = Config.Success<typeof InstallationKeyConfig>

const hexKey = /^[0-9a-f]{64}$/iu

const fromFile = (file: string): InstallationKey => {
  if (!keepSecretFilePrivate(file)) writeSecretFileOnce(file, `${randomBytes(KeyBytes).toString("hex")}\n`)
  const text = readFileSync(file, "utf8").trim()
  if (!hexKey.test(text)) throw new Error("not a key of 32 bytes in hex (64 hex digits)")
  return installationKeyOf(Buffer.from(text, "hex"))
}

// One key per source per process: read (or created) once, then shared by every layer that asked.
const loaded = new Map<string, InstallationKey>()

/** The key from a source read earlier (see {@link InstallationKeyConfig}); the file is read, or created, on first use only. */
export const loadInstallationKey = Effect.fn("Database.loadInstallationKey")(function*(source: InstallationKeySource) {
  if (Option.isSome(source.key)) {
    const text = Redacted.value(source.key.value).trim()
    if (!hexKey.test(text)) {
      return yield* new InstallationKeyError({ message: "WT_INSTALLATION_KEY must be 32 bytes as 64 hex digits (openssl rand -hex 32)" })
    }
    return installationKeyOf(Buffer.from(text, "hex"))
  }
  const known = loaded.get(source.file)
  if (known !== undefined) return known
  const key = yield* Effect.try({
    try: () => fromFile(source.file),
    catch: (cause) =>
      new InstallationKeyError({
        message: `the installation key ${source.file}: ${cause instanceof Error ? cause.message : String(cause)} (or set WT_INSTALLATION_KEY)`
      })
  })
  loaded.set(source.file, key)
  return key
})

/** A key for one purpose only, derived from the installation key (HKDF-SHA-256). */
export const deriveKey = (key: InstallationKey, purpose: string): Buffer =>
  Buffer.from(hkdfSync("sha256", Redacted.value(key.secret), Buffer.alloc(0), `wt.${purpose}`, KeyBytes))
