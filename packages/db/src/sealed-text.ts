import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { Result, Schema } from "effect"
import { deriveKey, type InstallationKey } from "./installation-key.ts"

/**
 * A secret kept in a database column, sealed: AES-256-GCM under a key derived from the
 * installation key for one purpose, with what the secret belongs to (tenant, record, field) as
 * associated data. A sealed value copied to another record, another tenant or another purpose
 * does not open; nor does one changed by a single bit.
 *
 * Written as `v1.<key id>.<nonce>.<ciphertext and tag>` (base64url): the key id says which
 * installation key sealed it, so a process started with the wrong key says so.
 */
export class SealedTextError extends Schema.TaggedError<SealedTextError>()("SealedTextError", {
  message: Schema.String
}) {}

const NonceBytes = 12
const TagBytes = 16
const Version = "v1"

const additionalData = (purpose: string, boundTo: ReadonlyArray<string>) =>
  Buffer.from(JSON.stringify([`wt.sealed/${Version}`, purpose, ...boundTo]), "utf8")

export const sealText = (key: InstallationKey, purpose: string, boundTo: ReadonlyArray<string>, plain: string): string => {
  const nonce = randomBytes(NonceBytes)
  const cipher = createCipheriv("aes-256-gcm", deriveKey(key, purpose), nonce, { authTagLength: TagBytes })
  cipher.setAAD(additionalData(purpose, boundTo))
  const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()])
  return [Version, key.keyId, nonce.toString("base64url"), sealed.toString("base64url")].join(".")
}

export const isSealedText = (value: unknown): value is string =>
  typeof value === "string" && /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/u.test(value)

export const openText = (
  key: InstallationKey,
  purpose: string,
  boundTo: ReadonlyArray<string>,
  sealed: string
): Result.Result<string, SealedTextError> => {
  const [version, keyId, nonceText, bodyText, ...rest] = sealed.split(".")
  if (version !== Version || keyId === undefined || nonceText === undefined || bodyText === undefined || rest.length > 0) {
    return Result.fail(new SealedTextError({ message: "not a sealed value" }))
  }
  if (keyId !== key.keyId) {
    return Result.fail(new SealedTextError({
      message: `sealed under installation key ${keyId}, but this process has key ${key.keyId}: give every process the same WT_INSTALLATION_KEY or WT_DATA_DIR`
    }))
  }
  const nonce = Buffer.from(nonceText, "base64url")
  const body = Buffer.from(bodyText, "base64url")
  if (nonce.length !== NonceBytes || body.length < TagBytes) return Result.fail(new SealedTextError({ message: "not a sealed value" }))
  try {
    const decipher = createDecipheriv("aes-256-gcm", deriveKey(key, purpose), nonce, { authTagLength: TagBytes })
    decipher.setAAD(additionalData(purpose, boundTo))
    decipher.setAuthTag(body.subarray(body.length - TagBytes))
    return Result.succeed(Buffer.concat([decipher.update(body.subarray(0, body.length - TagBytes)), decipher.final()]).toString("utf8"))
  } catch {
    // GCM's tag did not match: changed, or moved from the record it was sealed for.
    return Result.fail(new SealedTextError({ message: "the sealed value does not open: altered, or sealed for another record" }))
  }
}
