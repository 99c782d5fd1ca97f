import { privateKeyPem, type SealKey, sealKeyFromPem, generateSealKey } from "@wt/audit-chain"
import { createSecretFileOnce } from "@wt/audit-log"
import { Config, Effect, Option, Schema } from "effect"
import { chmodSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"

export class SigningKeyError extends Schema.TaggedError<SigningKeyError>()("SigningKeyError", {
  file: Schema.String,
  message: Schema.String
}) {}

/** `WT_AUDIT_KEY_FILE`, default `${WT_DATA_DIR:-./.data}/audit/ed25519.pem`, as an absolute path. */
export const signingKeyFileConfig = Config.all({
  file: Config.option(Config.String("WT_AUDIT_KEY_FILE")),
  dataDir: Config.String("WT_DATA_DIR").pipe(Config.withDefault("./.data"))
}).pipe(
  Config.map(({ dataDir, file }) =>
    resolve(Option.getOrElse(Option.filter(file, (f) => f !== ""), () => join(dataDir, "audit", "ed25519.pem")))
  )
)

const read = (file: string): SealKey => sealKeyFromPem(readFileSync(file, "utf8"))

// Two copies starting together agree on one key, and neither reads a half-written file.
const create = (file: string): SealKey => {
  const key = generateSealKey()
  return createSecretFileOnce(file, privateKeyPem(key)) ? key : read(file)
}

/**
 * The Ed25519 key that signs seals: read from `file`, or generated there on first
 * start (mode 0600, in a 0700 directory). The file never belongs in git; `.data/`
 * is ignored. A key file readable by others is narrowed to 0600 and logged.
 */
export const loadOrCreateSigningKey = Effect.fn("Audit.signingKey")(function*(file: string) {
  const existing = yield* Effect.try({
    try: () => {
      try {
        return Option.some(statSync(file))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return Option.none()
        throw error
      }
    },
    catch: (cause) => new SigningKeyError({ file, message: `cannot read the seal signing key: ${String(cause)}` })
  })
  if (Option.isNone(existing)) {
    const key = yield* Effect.try({
      try: () => create(file),
      catch: (cause) => new SigningKeyError({ file, message: `cannot create the seal signing key: ${String(cause)}` })
    })
    yield* Effect.logInfo("seal signing key created").pipe(Effect.annotateLogs({ file, keyId: key.keyId }))
    return key
  }
  if ((existing.value.mode & 0o077) !== 0) {
    yield* Effect.logWarning("seal signing key was readable by others; narrowed to 0600").pipe(Effect.annotateLogs({ file }))
    yield* Effect.try({
      try: () => chmodSync(file, 0o600),
      catch: (cause) => new SigningKeyError({ file, message: `cannot narrow the key file's mode: ${String(cause)}` })
    })
  }
  return yield* Effect.try({
    try: () => read(file),
    catch: (cause) => new SigningKeyError({ file, message: `not an Ed25519 private key in PEM: ${String(cause)}` })
  })
})
