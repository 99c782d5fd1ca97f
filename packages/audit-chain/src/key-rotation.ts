import { Schema } from "effect"
import { sign, verify } from "node:crypto"
import { canonicalJsonBytes } from "./canonical-json.ts"
import { sha256, toHex } from "./hashing.ts"
import { type SealKey, type SealPublicKey, sealPublicKeyFromPem } from "./seal-key.ts"

/**
 * A new signing key announced on the trail, signed by the key it replaces (`signature`) and
 * by itself (`proof`, so nobody can announce a key they do not hold). From `effectiveFromSeq`
 * on, seals are signed with the new key; the old one may sign nothing from there. A verifier
 * that trusts the old key therefore learns the new one only through this record: whoever
 * forges an export with a key of their own cannot make a pinned key vouch for it.
 */
export const KeyRotation = Schema.Struct({
  v: Schema.Literal(1),
  type: Schema.Literal("key_rotation"),
  /** The sealed stream, e.g. WT_AUDIT. */
  stream: Schema.String,
  previousKeyId: Schema.String,
  keyId: Schema.String,
  /** The new key, SubjectPublicKeyInfo PEM. */
  publicKeyPem: Schema.String,
  /** The first entry sequence the new key seals; the seals before it are the old key's. */
  effectiveFromSeq: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  rotatedAt: Schema.String,
  /** Ed25519 of the previous key over the canonical JSON of the record without `signature` and `proof`, base64. */
  signature: Schema.String,
  /** Ed25519 of the new key over the same bytes, base64. */
  proof: Schema.String
}).annotate({ identifier: "AuditKeyRotation" })
export type KeyRotation = typeof KeyRotation.Type

const signedBytes = (r: KeyRotation | Omit<KeyRotation, "signature" | "proof">) =>
  canonicalJsonBytes({
    v: r.v,
    type: r.type,
    stream: r.stream,
    previousKeyId: r.previousKeyId,
    keyId: r.keyId,
    publicKeyPem: r.publicKeyPem,
    effectiveFromSeq: r.effectiveFromSeq,
    rotatedAt: r.rotatedAt
  })

/** The announcement of `next`, signed by `previous` and by `next`. */
export const makeKeyRotation = (input: {
  readonly previous: SealKey
  readonly next: SealKey
  readonly stream: string
  readonly effectiveFromSeq: number
  readonly rotatedAt: string
}): KeyRotation => {
  const unsigned = {
    v: 1 as const,
    type: "key_rotation" as const,
    stream: input.stream,
    previousKeyId: input.previous.keyId,
    keyId: input.next.keyId,
    publicKeyPem: input.next.publicKey.export({ type: "spki", format: "pem" }).toString(),
    effectiveFromSeq: input.effectiveFromSeq,
    rotatedAt: input.rotatedAt
  }
  const bytes = signedBytes(unsigned)
  return {
    ...unsigned,
    signature: sign(null, bytes, input.previous.privateKey).toString("base64"),
    proof: sign(null, bytes, input.next.privateKey).toString("base64")
  }
}

const verifies = (bytes: Uint8Array, key: SealPublicKey, signature: string): boolean => {
  try {
    return verify(null, bytes, key.publicKey, Buffer.from(signature, "base64"))
  } catch {
    return false
  }
}

/** The announced key when `previous` signed the record and the new key proved it holds itself; else why not. */
export const checkKeyRotation = (rotation: KeyRotation, previous: SealPublicKey): { readonly key: SealPublicKey } | { readonly refused: string } => {
  if (previous.keyId !== rotation.previousKeyId) return { refused: `names ${rotation.previousKeyId} as the previous key, not ${previous.keyId}` }
  const bytes = signedBytes(rotation)
  if (!verifies(bytes, previous, rotation.signature)) return { refused: `its signature does not verify with the previous key ${previous.keyId}` }
  let key: SealPublicKey
  try {
    key = sealPublicKeyFromPem(rotation.publicKeyPem)
  } catch (e) {
    return { refused: `the announced key is not an Ed25519 public key (${(e as Error).message})` }
  }
  if (key.keyId !== rotation.keyId) return { refused: `the announced key's id is ${key.keyId}, not ${rotation.keyId}` }
  if (!verifies(bytes, key, rotation.proof)) return { refused: "the announced key did not sign it (no proof that whoever announced it holds it)" }
  return { key }
}

/** SHA-256 of a key's SubjectPublicKeyInfo (DER), hex: what an installation pins (`sha256:<hex>`). */
export const keyFingerprint = (key: SealPublicKey): string => toHex(sha256(key.publicKey.export({ type: "spki", format: "der" })))

/** A key seals may be signed with, and the sequences it may seal. */
export interface TrustedKey extends SealPublicKey {
  /** Seals must start at or after this sequence (a key announced by a rotation). */
  readonly validFromSeq?: number
  /** Seals must end before this sequence (a key rotated away). */
  readonly validBeforeSeq?: number
  /** `undefined`: trusted as given; else the key id that announced it. */
  readonly announcedBy?: string
}

export interface TrustChain {
  readonly keys: ReadonlyArray<TrustedKey>
  /** Rotation records that announce no trusted key, and why. */
  readonly refused: ReadonlyArray<{ readonly rotation: KeyRotation; readonly reason: string }>
}

/**
 * The keys a verifier may accept, starting from the ones it was given (`roots`) and following
 * only rotation records that an already trusted key signed. A key that only a record signed by
 * an untrusted key (or by itself) announces stays untrusted. Of two rotations away from the
 * same key, the earlier holds and the other is refused: a key can be replaced once.
 */
export const trustChain = (roots: ReadonlyArray<SealPublicKey>, rotations: ReadonlyArray<KeyRotation>, stream?: string): TrustChain => {
  const trusted = new Map<string, TrustedKey>(roots.map((k) => [k.keyId, { keyId: k.keyId, publicKey: k.publicKey }]))
  const refused: Array<{ rotation: KeyRotation; reason: string }> = []
  const pending = [...rotations].filter((r) => {
    if (stream === undefined || r.stream === stream) return true
    refused.push({ rotation: r, reason: `it is for stream ${r.stream}, not ${stream}` })
    return false
  }).sort((a, b) => a.effectiveFromSeq - b.effectiveFromSeq)
  const rotatedAway = new Set<string>()
  let progressed = true
  while (progressed) {
    progressed = false
    for (let i = 0; i < pending.length; i++) {
      const rotation = pending[i]!
      const previous = trusted.get(rotation.previousKeyId)
      if (previous === undefined) continue
      pending.splice(i--, 1)
      progressed = true
      if (rotatedAway.has(previous.keyId)) {
        refused.push({ rotation, reason: `key ${previous.keyId} was already rotated away; a key is replaced once` })
        continue
      }
      const checked = checkKeyRotation(rotation, previous)
      if ("refused" in checked) {
        refused.push({ rotation, reason: checked.refused })
        continue
      }
      rotatedAway.add(previous.keyId)
      trusted.set(previous.keyId, { ...previous, validBeforeSeq: rotation.effectiveFromSeq })
      const existing = trusted.get(checked.key.keyId)
      // A key also given as a root keeps no lower bound; it still may not sign before it was announced.
      trusted.set(checked.key.keyId, existing ?? { ...checked.key, validFromSeq: rotation.effectiveFromSeq, announcedBy: previous.keyId })
    }
  }
  for (const rotation of pending) refused.push({ rotation, reason: `it is signed by key ${rotation.previousKeyId}, which is not trusted` })
  return { keys: [...trusted.values()], refused }
}
