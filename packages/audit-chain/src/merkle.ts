import { nodeHash, nodeHashText, sha256 } from "./hashing.ts"

/**
 * The Merkle tree hash of RFC 6962 (Certificate Transparency) over leaf hashes.
 * Built bottom-up; an unpaired last node moves up a level unchanged, which gives
 * exactly the RFC's tree (split at the largest power of two below the size).
 */
export const merkleRoot = (leaves: ReadonlyArray<Uint8Array>): Buffer => {
  if (leaves.length === 0) return sha256(new Uint8Array(0))
  let level: Array<Uint8Array> = leaves.slice()
  while (level.length > 1) {
    const next: Array<Uint8Array> = []
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1]
      next.push(right === undefined ? level[i]! : nodeHash(level[i]!, right))
    }
    level = next
  }
  return Buffer.from(level[0]!)
}

/**
 * {@link merkleRoot} over leaf hashes given as latin1 strings ({@link leafHashText}),
 * as hex: what verification compares with a seal's root. Reuses `leaves` as scratch.
 */
export const merkleRootHexOfText = (leaves: Array<string>): string => {
  if (leaves.length === 0) return sha256(new Uint8Array(0)).toString("hex")
  let n = leaves.length
  while (n > 1) {
    let w = 0
    for (let i = 0; i < n; i += 2) leaves[w++] = i + 1 < n ? nodeHashText(leaves[i]!, leaves[i + 1]!) : leaves[i]!
    n = w
  }
  return Buffer.from(leaves[0]!, "latin1").toString("hex")
}

/** A Merkle tree kept level by level, for proving several leaves of one seal. */
export interface MerkleTree {
  readonly size: number
  readonly root: Buffer
  /**
   * The audit path of leaf `index` (RFC 6962 PATH(m, D[n])): sibling hashes from the
   * leaf up to the root. With the leaf and the root it proves the leaf is in the tree.
   */
  readonly auditPath: (index: number) => ReadonlyArray<Buffer>
}

export const merkleTree = (leaves: ReadonlyArray<Uint8Array>): MerkleTree => {
  const levels: Array<ReadonlyArray<Uint8Array>> = [leaves.slice()]
  let level = levels[0]!
  while (level.length > 1) {
    const next: Array<Uint8Array> = []
    for (let j = 0; j < level.length; j += 2) {
      const right = level[j + 1]
      next.push(right === undefined ? level[j]! : nodeHash(level[j]!, right))
    }
    levels.push(next)
    level = next
  }
  const auditPath = (index: number): ReadonlyArray<Buffer> => {
    if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
      throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`)
    }
    const path: Array<Buffer> = []
    let i = index
    for (const nodes of levels.slice(0, -1)) {
      const sibling = i % 2 === 1 ? nodes[i - 1] : nodes[i + 1]
      if (sibling !== undefined) path.push(Buffer.from(sibling))
      i = Math.floor(i / 2)
    }
    return path
  }
  return { size: leaves.length, root: leaves.length === 0 ? sha256(new Uint8Array(0)) : Buffer.from(level[0]!), auditPath }
}

/** Whether `path` leads from `leaf` at `index` in a tree of `treeSize` leaves to `root` (RFC 9162, 2.1.3.2). */
export const verifyAuditPath = (
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  path: ReadonlyArray<Uint8Array>,
  root: Uint8Array
): boolean => {
  if (!Number.isInteger(index) || !Number.isInteger(treeSize) || index < 0 || index >= treeSize) return false
  let fn = index
  let sn = treeSize - 1
  let r: Uint8Array = leaf
  for (const p of path) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root))
}
