import { describe, expect, it } from "@effect/vitest"
import { type AuditSeal, generateSealKey, GenesisSealHash, leafHash, makeSeal, type SealKey, sealHash } from "./index.ts"
import { keyFingerprint, type KeyRotation, makeKeyRotation, trustChain } from "./key-rotation.ts"
import { entryBytes } from "./trail.fixture.ts"
import { type StoredEntry, verifyAuditTrail } from "./verify.ts"

const old = generateSealKey()
const next = generateSealKey()
const forger = generateSealKey()
const publicOf = (k: SealKey) => ({ keyId: k.keyId, publicKey: k.publicKey })

const entries = (n: number, tamperAt?: number): ReadonlyArray<StoredEntry> =>
  Array.from({ length: n }, (_, i) => {
    const seq = i + 1
    const summary = seq === tamperAt ? "the forger's version" : `entry ${seq}`
    return { seq, bytes: entryBytes({ id: `e${seq}`, tenant: "demo", kind: "incident_event", at: "2026-11-25T21:00:00.000Z", actor: { kind: "operator", id: "u-kari" }, summary, n: seq }, seq) }
  })

/** Seals of five entries each, each signed by whichever key `keyFor` names for its first sequence. */
const seal = (list: ReadonlyArray<StoredEntry>, keyFor: (fromSeq: number) => SealKey): ReadonlyArray<AuditSeal> => {
  const seals: Array<AuditSeal> = []
  let prev = GenesisSealHash
  for (let i = 0; i < list.length; i += 5) {
    const chunk = list.slice(i, i + 5)
    const s = makeSeal({ stream: "WT_AUDIT", fromSeq: chunk[0]!.seq, leaves: chunk.map((e) => leafHash(e.seq, e.bytes)), prevSealHash: prev, sealedAt: "2026-11-25T21:00:00.000Z", key: keyFor(chunk[0]!.seq) })
    seals.push(s)
    prev = sealHash(s)
  }
  return seals
}

const rotation = (previous: SealKey, nextKey: SealKey, effectiveFromSeq = 11): KeyRotation =>
  makeKeyRotation({ previous, next: nextKey, stream: "WT_AUDIT", effectiveFromSeq, rotatedAt: "2026-11-26T08:00:00.000Z" })

const verifyWith = (list: ReadonlyArray<StoredEntry>, seals: ReadonlyArray<AuditSeal>, roots: ReadonlyArray<SealKey>, rotations: ReadonlyArray<KeyRotation>) =>
  verifyAuditTrail(list, seals, { keys: trustChain(roots.map(publicOf), rotations, "WT_AUDIT").keys })

describe("signing-key rotation and whom the verifier trusts", () => {
  const trail = entries(20)
  const rotated = seal(trail, (from) => (from >= 11 ? next : old))

  it("a trail whose key was rotated at 11 is intact for a verifier that pinned only the first key: the new key comes through the old key's announcement", () => {
    const chain = trustChain([publicOf(old)], [rotation(old, next)], "WT_AUDIT")
    expect(chain.refused).toEqual([])
    expect(chain.keys.find((k) => k.keyId === next.keyId)).toMatchObject({ validFromSeq: 11, announcedBy: old.keyId })
    expect(verifyWith(trail, rotated, [old], [rotation(old, next)])).toMatchObject({ _tag: "Intact", sealedEntries: 20, seals: 4 })
  })

  it("without the announcement the new key's seals fail at the rotation, named", () => {
    expect(verifyWith(trail, rotated, [old], [])).toMatchObject({ _tag: "Broken", seq: 11, kind: "seal", reason: expect.stringContaining("neither trusted nor announced") })
  })

  it("an export forged with the forger's own key fails against the pinned key, whatever keys the forgery carries", () => {
    // Entry 7 rewritten, every seal made again with the forger's key.
    const forged = entries(20, 7)
    const forgedSeals = seal(forged, () => forger)
    expect(verifyWith(forged, forgedSeals, [old], [])).toMatchObject({ _tag: "Broken", seq: 1, kind: "seal" })
    // The forger announces their key themselves: signed by their own key, it vouches for nothing.
    const selfAnnounced = rotation(forger, forger, 1)
    const chain = trustChain([publicOf(old)], [selfAnnounced], "WT_AUDIT")
    expect(chain.keys.map((k) => k.keyId)).toEqual([old.keyId])
    expect(chain.refused[0]!.reason).toContain("not trusted")
    expect(verifyWith(forged, forgedSeals, [old], [selfAnnounced])._tag).toBe("Broken")
  })

  it("a forger who rewrites the real announcement to name their key fails: the old key's signature no longer holds", () => {
    const real = rotation(old, next)
    // The record names the forger's key; the signatures cannot be made again without the old key.
    const rewritten: KeyRotation = { ...real, keyId: forger.keyId, publicKeyPem: forger.publicKey.export({ type: "spki", format: "pem" }).toString() }
    const rewrittenProof: KeyRotation = { ...rewritten, proof: rotation(forger, forger).proof }
    const forged = entries(20, 15)
    const forgedSeals = seal(forged, (from) => (from >= 11 ? forger : old))
    for (const r of [rewritten, rewrittenProof]) {
      const chain = trustChain([publicOf(old)], [r], "WT_AUDIT")
      expect(chain.keys.map((k) => k.keyId)).toEqual([old.keyId])
      expect(chain.refused[0]!.reason).toContain("signature does not verify with the previous key")
      expect(verifyWith(forged, forgedSeals, [old], [r])).toMatchObject({ _tag: "Broken", seq: 11, kind: "seal" })
    }
  })

  it("a record the new key did not sign announces nothing (no proof of holding it)", () => {
    const real = rotation(old, next)
    const noProof = { ...real, proof: rotation(old, forger).proof }
    expect(trustChain([publicOf(old)], [noProof]).refused[0]!.reason).toContain("did not sign it")
  })

  it("the old key may sign nothing after it was rotated away, nor the new key before it was announced", () => {
    const stolenOld = seal(trail, () => old)
    expect(verifyWith(trail, stolenOld, [old], [rotation(old, next)])).toMatchObject({ _tag: "Broken", seq: 11, reason: expect.stringContaining("rotated away from sequence 11") })
    const backdated = seal(trail, () => next)
    expect(verifyWith(trail, backdated, [old], [rotation(old, next)])).toMatchObject({ _tag: "Broken", seq: 1, reason: expect.stringContaining("only for seals from 11") })
  })

  it("a key is replaced once: a second rotation away from the same key is refused", () => {
    const chain = trustChain([publicOf(old)], [rotation(old, next, 11), rotation(old, forger, 16)])
    expect(chain.keys.map((k) => k.keyId).sort()).toEqual([old.keyId, next.keyId].sort())
    expect(chain.refused).toHaveLength(1)
    expect(chain.refused[0]!.rotation.keyId).toBe(forger.keyId)
  })

  it("rotations chain: A → B → C is followed from A alone, in any order they are read", () => {
    const third = generateSealKey()
    const rotations = [rotation(next, third, 16), rotation(old, next, 11)]
    const threeKeys = seal(trail, (from) => (from >= 16 ? third : from >= 11 ? next : old))
    expect(verifyWith(trail, threeKeys, [old], rotations)).toMatchObject({ _tag: "Intact", sealedEntries: 20 })
  })

  it("trusting nothing verifies nothing, and a fingerprint is the whole SHA-256 of the key", () => {
    expect(trustChain([], [rotation(old, next)]).keys).toEqual([])
    expect(verifyWith(trail, rotated, [], [rotation(old, next)])._tag).toBe("Broken")
    expect(keyFingerprint(publicOf(old))).toMatch(/^[0-9a-f]{64}$/)
    expect(keyFingerprint(publicOf(old)).startsWith(old.keyId)).toBe(true)
  })
})
