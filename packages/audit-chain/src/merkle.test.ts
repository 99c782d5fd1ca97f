import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { leafHash, leafHashText, nodeHash, sha256, toHex } from "./hashing.ts"
import { merkleRoot, merkleRootHexOfText, merkleTree, verifyAuditPath } from "./merkle.ts"

const rfcLeaf = (data: Uint8Array) => sha256(Buffer.concat([Buffer.from([0]), data]))

// MTH(D[n]) as RFC 6962 2.1 defines it, recursively: the reference the iterative tree must equal.
const reference = (leaves: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (leaves.length === 1) return leaves[0]!
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return nodeHash(reference(leaves.slice(0, k)), reference(leaves.slice(k)))
}

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => rfcLeaf(Buffer.from(`leaf ${i}`)))

describe("Merkle tree (RFC 6962)", () => {
  it("reproduces the Certificate Transparency test vectors", () => {
    const inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    const roots = [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    ]
    const leaves = inputs.map((hex) => rfcLeaf(Buffer.from(hex, "hex")))
    roots.forEach((root, i) => expect(toHex(merkleRoot(leaves.slice(0, i + 1)))).toBe(root))
  })

  it("equals the recursive definition for every size up to 70", () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = leavesOf(n)
      expect(toHex(merkleRoot(leaves))).toBe(toHex(reference(leaves)))
      expect(toHex(merkleTree(leaves).root)).toBe(toHex(reference(leaves)))
      expect(merkleRootHexOfText(leaves.map((l) => Buffer.from(l).toString("latin1")))).toBe(toHex(reference(leaves)))
    }
  })

  it("the latin1-string hashes verification uses are the same bytes as the Buffer ones", () => {
    for (const seq of [1, 255, 256, 2 ** 32 - 1, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const bytes = Buffer.from(`{"n":${seq},"text":"æøå \u0000"}`)
      expect(Buffer.from(leafHashText(seq, bytes), "latin1").equals(leafHash(seq, bytes))).toBe(true)
    }
    expect(merkleRootHexOfText([])).toBe(toHex(sha256(new Uint8Array(0))))
  })

  it("the audit path of every leaf leads to the root, and not from another leaf or position", () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = leavesOf(n)
      const tree = merkleTree(leaves)
      for (let i = 0; i < n; i++) {
        const path = tree.auditPath(i)
        expect(verifyAuditPath(leaves[i]!, i, n, path, tree.root)).toBe(true)
        expect(verifyAuditPath(leaves[(i + 1) % n]!, i, n, path, tree.root)).toBe(n === 1)
        if (n > 1) expect(verifyAuditPath(leaves[i]!, (i + 1) % n, n, path, tree.root)).toBe(false)
      }
    }
  })

  it.prop("a changed sibling breaks the proof", [Schema.Int.check(Schema.isBetween({ minimum: 2, maximum: 300 })), Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100_000 }))], ([n, pick]) => {
    const leaves = leavesOf(n)
    const tree = merkleTree(leaves)
    const index = pick % n
    const path = tree.auditPath(index).map((p) => Buffer.from(p))
    const hop = pick % path.length
    const sibling = path[hop]!
    sibling[pick % 32] = sibling[pick % 32]! ^ 0x01
    expect(verifyAuditPath(leaves[index]!, index, n, path, tree.root)).toBe(false)
  })
})
