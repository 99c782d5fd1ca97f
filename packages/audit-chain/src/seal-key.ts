import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto"
import { sha256, toHex } from "./hashing.ts"

/** A public key that verifies seals, with its id. */
export interface SealPublicKey {
  /** First 16 hex digits of SHA-256 of the key's SubjectPublicKeyInfo (DER). */
  readonly keyId: string
  readonly publicKey: KeyObject
}

/** The Ed25519 key that signs seals. */
export interface SealKey extends SealPublicKey {
  readonly privateKey: KeyObject
}

export const keyIdOf = (publicKey: KeyObject): string =>
  toHex(sha256(publicKey.export({ type: "spki", format: "der" }))).slice(0, 16)

const fromPrivate = (privateKey: KeyObject): SealKey => {
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new TypeError(`a seal key is Ed25519, not ${privateKey.asymmetricKeyType ?? "unknown"}`)
  }
  const publicKey = createPublicKey(privateKey)
  return { keyId: keyIdOf(publicKey), publicKey, privateKey }
}

/** A new Ed25519 signing key. */
export const generateSealKey = (): SealKey => fromPrivate(generateKeyPairSync("ed25519").privateKey)

/** The signing key from its PKCS#8 PEM text; throws when it is not an Ed25519 private key. */
export const sealKeyFromPem = (pem: string): SealKey => fromPrivate(createPrivateKey(pem))

/** PKCS#8 PEM of the private key, for the key file. */
export const privateKeyPem = (key: SealKey): string => key.privateKey.export({ type: "pkcs8", format: "pem" }).toString()

/** SPKI PEM of the public key, for publishing. */
export const publicKeyPem = (key: SealPublicKey): string => key.publicKey.export({ type: "spki", format: "pem" }).toString()

/** A verifying key from SPKI PEM; throws when it is not an Ed25519 public key. */
export const sealPublicKeyFromPem = (pem: string): SealPublicKey => {
  const publicKey = createPublicKey(pem)
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new TypeError(`a seal key is Ed25519, not ${publicKey.asymmetricKeyType ?? "unknown"}`)
  }
  return { keyId: keyIdOf(publicKey), publicKey }
}
