import { privateKeyPem, type SealKey, sealKeyFromPem, type SealPublicKey, generateSealKey } from "@wt/audit-chain"
import { createSecretFileOnce } from "../config-change-key.ts"
import { Effect, Option, Schema } from "effect"
import { chmodSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { dataDirFileConfig } from "../data-dir-file.ts"

export class SigningKeyError extends Schema.TaggedError<SigningKeyError>()("SigningKeyError", {
  file: Schema.String,
  message: Schema.String
}) {}

/** `WT_AUDIT_KEY_FILE`, default `${WT_DATA_DIR:-./.data}/audit/ed25519.pem`, as an absolute path. */
export const signingKeyFileConfig = dataDirFileConfig("WT_AUDIT_KEY_FILE", "audit", "ed25519.pem")

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

/** Where keys that signed seals before a rotation are kept: `retired/<keyId>.pem` beside the key file. */
export const retiredKeysDir = (keyFile: string): string => join(dirname(keyFile), "retired")

/** A retired signing key by its id, if this data directory has it. */
export const readRetiredKey = (keyFile: string, keyId: string): Option.Option<SealKey> => {
  try {
    const key = read(join(retiredKeysDir(keyFile), `${keyId}.pem`))
    return key.keyId === keyId ? Option.some(key) : Option.none()
  } catch {
    return Option.none()
  }
}

/** Every retired key's public half in this data directory (unreadable files left out). */
export const retiredPublicKeys = (keyFile: string): ReadonlyArray<SealPublicKey> => {
  let names: ReadonlyArray<string>
  try {
    names = readdirSync(retiredKeysDir(keyFile)).filter((n) => n.endsWith(".pem"))
  } catch {
    return []
  }
  return names.flatMap((name) => {
    try {
      const key = read(join(retiredKeysDir(keyFile), name))
      return [{ keyId: key.keyId, publicKey: key.publicKey }]
    } catch {
      return []
    }
  })
}

/**
 * `wt audit rotate-key`: the present key moves to `retired/<keyId>.pem` (kept, mode 0600: it signs the
 * announcement of its successor), and a new key takes its place. The audit service announces the new
 * key on the trail, signed by the old one, when it next starts (`announceKeyRotation`).
 */
export const rotateSigningKey = Effect.fn("Audit.rotateSigningKey")(function*(file: string) {
  const previous = yield* Effect.try({
    try: () => read(file),
    catch: (cause) => new SigningKeyError({ file, message: `no signing key to rotate: ${String(cause)}` })
  })
  const next = generateSealKey()
  yield* Effect.try({
    try: () => {
      createSecretFileOnce(join(retiredKeysDir(file), `${previous.keyId}.pem`), privateKeyPem(previous))
      if (!readRetiredKey(file, previous.keyId).pipe(Option.isSome)) throw new Error(`the retired copy of ${previous.keyId} does not read back`)
      // Written beside it and renamed over it: the key file is always one whole key.
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`
      writeFileSync(temp, privateKeyPem(next), { mode: 0o600, flag: "wx" })
      renameSync(temp, file)
    },
    catch: (cause) => new SigningKeyError({ file, message: `cannot rotate the seal signing key: ${String(cause)}` })
  })
  return { previous: previous.keyId, next: next.keyId }
})
