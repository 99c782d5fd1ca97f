import { Result } from "effect"
import { fromHex, leafHash, toHex } from "./hashing.ts"
import { merkleTree, verifyAuditPath } from "./merkle.ts"
import { headerOf, type SealHeader, verifySealSignature } from "./seal.ts"
import type { SealPublicKey } from "./seal-key.ts"
import type { StoredEntry } from "./verify.ts"

/**
 * Proof that one entry is in a signed seal, without the seal's other entries: the
 * seal header (signed) and the Merkle audit path from the entry's leaf to its root.
 */
export interface InclusionProof {
  readonly seq: number
  readonly path: ReadonlyArray<string>
  readonly seal: SealHeader
}

/**
 * Proofs for the chosen sequences of one seal. `sealEntries` are all the seal's
 * entries in order; fails when they do not reproduce the seal's Merkle root.
 */
export const proveInclusion = (
  sealEntries: ReadonlyArray<StoredEntry>,
  seal: SealHeader,
  seqs: Iterable<number>
): Result.Result<ReadonlyArray<InclusionProof>, string> => {
  if (sealEntries.length !== seal.count || sealEntries.some((e, i) => e.seq !== seal.fromSeq + i)) {
    return Result.fail(`the entries given are not the ${seal.count} entries ${seal.fromSeq}-${seal.toSeq} of the seal`)
  }
  const tree = merkleTree(sealEntries.map((e) => leafHash(e.seq, e.bytes)))
  if (toHex(tree.root) !== seal.merkleRoot) {
    return Result.fail(`entries ${seal.fromSeq}-${seal.toSeq} do not reproduce the seal's Merkle root`)
  }
  const header = headerOf(seal)
  const proofs: Array<InclusionProof> = []
  for (const seq of seqs) {
    if (seq < seal.fromSeq || seq > seal.toSeq) return Result.fail(`sequence ${seq} is not in seal ${seal.fromSeq}-${seal.toSeq}`)
    proofs.push({ seq, path: tree.auditPath(seq - seal.fromSeq).map(toHex), seal: header })
  }
  return Result.succeed(proofs)
}

/** Checks that the entry, as given, is the one the proof's seal signed at that sequence. */
export const verifyInclusion = (
  entry: StoredEntry,
  proof: InclusionProof,
  keys: ReadonlyArray<SealPublicKey>
): Result.Result<void, string> => {
  const { seal } = proof
  const key = keys.find((k) => k.keyId === seal.keyId)
  if (key === undefined) return Result.fail(`seal ${seal.fromSeq}-${seal.toSeq} is signed with unknown key ${seal.keyId}`)
  if (!verifySealSignature(seal, key)) return Result.fail(`seal ${seal.fromSeq}-${seal.toSeq}: signature does not verify`)
  if (entry.seq !== proof.seq || entry.seq < seal.fromSeq || entry.seq > seal.toSeq) {
    return Result.fail(`entry ${entry.seq} is not what proof ${proof.seq} covers`)
  }
  const ok = verifyAuditPath(leafHash(entry.seq, entry.bytes), entry.seq - seal.fromSeq, seal.count, proof.path.map(fromHex), fromHex(seal.merkleRoot))
  return ok ? Result.void : Result.fail(`entry ${entry.seq} is not the one sealed in ${seal.fromSeq}-${seal.toSeq}`)
}
