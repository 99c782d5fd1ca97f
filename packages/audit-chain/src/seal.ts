import { Schema } from "effect"
import { sign, verify } from "node:crypto"
import { canonicalJsonBytes } from "./canonical-json.ts"
import { sha256, toHex } from "./hashing.ts"
import { merkleRoot } from "./merkle.ts"
import type { SealKey, SealPublicKey } from "./seal-key.ts"

/** `prevSealHash` of the very first seal of a stream. */
export const GenesisSealHash = "0".repeat(64)

/**
 * Bytes of each leaf's hash a seal lists. The list lets verification name the exact
 * entry that no longer matches (a Merkle root alone only says "somewhere in here");
 * 128 bits keep a forged entry that matches its listed digest out of reach.
 */
export const LeafDigestBytes = 16

const Hex256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/u)).annotate({ identifier: "Hex256" })
const Seq = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * What a seal commits to and the chain links: signed, and hashed into the next
 * seal's `prevSealHash`. Small, so an inclusion proof can carry it.
 */
export const SealHeader = Schema.Struct({
  v: Schema.Literal(1),
  /** The sealed stream, e.g. WT_AUDIT. */
  stream: Schema.String,
  /** First and last stream sequence covered; seals cover the stream contiguously. */
  fromSeq: Seq,
  toSeq: Seq,
  count: Seq,
  /** RFC 6962 Merkle root over the range's leaf hashes, hex. */
  merkleRoot: Hex256,
  /** SHA-256 of the leaf digest list, hex. */
  leafDigestsHash: Hex256,
  /** {@link sealHash} of the previous seal, or {@link GenesisSealHash}. */
  prevSealHash: Hex256,
  sealedAt: Schema.String,
  /** {@link keyIdOf} the signing key. */
  keyId: Schema.String,
  /** Ed25519 over the canonical JSON of the header without `signature`, base64. */
  signature: Schema.String
}).annotate({ identifier: "AuditSealHeader" })
export type SealHeader = typeof SealHeader.Type

/** A seal as published on `wt.seal.audit`: the header and, base64, the first {@link LeafDigestBytes} of every leaf hash in order. */
export const AuditSeal = Schema.Struct({
  ...SealHeader.fields,
  leafDigests: Schema.String
}).annotate({ identifier: "AuditSeal" })
export type AuditSeal = typeof AuditSeal.Type

/** The listed digests of the leaves, in order. */
export const packLeafDigests = (leaves: ReadonlyArray<Uint8Array>): Buffer => {
  const out = Buffer.alloc(leaves.length * LeafDigestBytes)
  leaves.forEach((leaf, i) => out.set(leaf.subarray(0, LeafDigestBytes), i * LeafDigestBytes))
  return out
}

export const headerOf = (seal: SealHeader): SealHeader => ({
  v: seal.v,
  stream: seal.stream,
  fromSeq: seal.fromSeq,
  toSeq: seal.toSeq,
  count: seal.count,
  merkleRoot: seal.merkleRoot,
  leafDigestsHash: seal.leafDigestsHash,
  prevSealHash: seal.prevSealHash,
  sealedAt: seal.sealedAt,
  keyId: seal.keyId,
  signature: seal.signature
})

const signedBytes = (header: SealHeader) => {
  const { signature: _, ...unsigned } = headerOf(header)
  return canonicalJsonBytes(unsigned)
}

/** The hash that links the next seal to this one: SHA-256 of the canonical header, signature included. */
export const sealHash = (seal: SealHeader): string => toHex(sha256(canonicalJsonBytes(headerOf(seal))))

export interface SealInput {
  readonly stream: string
  readonly fromSeq: number
  /** Leaf hashes of `fromSeq`, `fromSeq + 1`, … in order ({@link leafHash}). */
  readonly leaves: ReadonlyArray<Uint8Array>
  readonly prevSealHash: string
  readonly sealedAt: string
  readonly key: SealKey
}

/** Seals a contiguous range of leaves and signs it. */
export const makeSeal = (input: SealInput): AuditSeal => {
  if (input.leaves.length === 0) throw new RangeError("a seal covers at least one entry")
  const digests = packLeafDigests(input.leaves)
  const unsigned = {
    v: 1 as const,
    stream: input.stream,
    fromSeq: input.fromSeq,
    toSeq: input.fromSeq + input.leaves.length - 1,
    count: input.leaves.length,
    merkleRoot: toHex(merkleRoot(input.leaves)),
    leafDigestsHash: toHex(sha256(digests)),
    prevSealHash: input.prevSealHash,
    sealedAt: input.sealedAt,
    keyId: input.key.keyId
  }
  const signature = sign(null, canonicalJsonBytes(unsigned), input.key.privateKey).toString("base64")
  return { ...unsigned, signature, leafDigests: digests.toString("base64") }
}

/** Whether the header's signature verifies with the key it names. */
export const verifySealSignature = (seal: SealHeader, key: SealPublicKey): boolean => {
  if (key.keyId !== seal.keyId) return false
  try {
    return verify(null, signedBytes(seal), key.publicKey, Buffer.from(seal.signature, "base64"))
  } catch {
    return false
  }
}
