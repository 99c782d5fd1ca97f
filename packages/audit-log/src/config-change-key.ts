import { Config, Effect, Option, Redacted, Schema } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { dataDirFileConfig } from "./data-dir-file.ts"

/**
 * The key of the HMACs a `config_change` entry carries instead of personal values. It never
 * goes into the audit trail: with it, a value can be checked against an entry (the registry
 * holds the value, the key holder the key); without it, no dictionary of names, codes or
 * birth years can be tried against the trail.
 */
export interface AuditFieldKey {
  /** Names the key in each entry, so entries from before a key change are told apart. Not a hash of the key alone. */
  readonly keyId: string
  readonly secret: Redacted.Redacted<Buffer>
}

export class AuditFieldKeyError extends Schema.TaggedError<AuditFieldKeyError>()("AuditFieldKeyError", { message: Schema.String }) {}

/** Bytes of a generated key. */
const KeyBytes = 32

export const auditFieldKeyOf = (secret: Buffer): AuditFieldKey => ({
  keyId: createHash("sha256").update("wt.audit.field-key-id/v1\0").update(secret).digest("hex").slice(0, 16),
  secret: Redacted.make(secret)
})

/**
 * Writes `contents` to `file` (mode 0600, in a 0700 directory) unless it exists: written whole
 * to a private temp file, then linked into place. Linking fails when the file exists, so
 * processes starting together agree on one file and none reads a half-written one.
 * True when this call created it.
 */
export const createSecretFileOnce = (file: string, contents: string): boolean => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.${Date.now()}.${randomBytes(4).toString("hex")}.tmp`
  writeFileSync(temp, contents, { mode: 0o600, flag: "wx" })
  try {
    linkSync(temp, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    return false
  } finally {
    unlinkSync(temp)
  }
}

/**
 * `WT_AUDIT_FIELD_KEY` (a secret of at least 32 characters, e.g. `openssl rand -hex 32`; the same
 * for every console copy), else the file `WT_AUDIT_FIELD_KEY_FILE`, default
 * `${WT_DATA_DIR:-./.data}/audit/field-hmac.key`, generated on first start.
 */
export const auditFieldKeyConfig = Config.all({
  key: Config.option(Config.Redacted("WT_AUDIT_FIELD_KEY")),
  file: dataDirFileConfig("WT_AUDIT_FIELD_KEY_FILE", "audit", "field-hmac.key")
}).pipe(
  Config.map(({ file, key }) => ({ key: Option.filter(key, (k) => Redacted.value(k) !== ""), file }))
)

const readKeyFile = (file: string): Buffer => {
  const text = readFileSync(file, "utf8").trim()
  if (!/^[0-9a-f]{64,}$/u.test(text)) throw new Error("not a key of at least 32 bytes in hex")
  return Buffer.from(text, "hex")
}

/** The field key, from the environment or the data directory (created there on first start). */
export const loadAuditFieldKey = Effect.fn("AuditLog.loadFieldKey")(function*() {
  const { file, key } = yield* auditFieldKeyConfig.pipe(Effect.mapError((e) => new AuditFieldKeyError({ message: `WT_AUDIT_FIELD_KEY: ${e.message}` })))
  if (Option.isSome(key)) {
    const text = Redacted.value(key.value)
    if (text.length < 32) return yield* new AuditFieldKeyError({ message: "WT_AUDIT_FIELD_KEY must be at least 32 characters (e.g. openssl rand -hex 32)" })
    return auditFieldKeyOf(Buffer.from(text, "utf8"))
  }
  return yield* Effect.try({
    try: () => {
      try {
        const mode = statSync(file).mode
        // Readable by others, it would be as good as written into the trail.
        if ((mode & 0o077) !== 0) chmodSync(file, 0o600)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
        createSecretFileOnce(file, `${randomBytes(KeyBytes).toString("hex")}\n`)
      }
      return auditFieldKeyOf(readKeyFile(file))
    },
    catch: (cause) => new AuditFieldKeyError({ message: `the audit field key ${file}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })
})
