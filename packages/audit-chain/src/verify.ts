import { leafHashText, sha256, toHex } from "./hashing.ts"
import { merkleRootHexOfText } from "./merkle.ts"
import { type AuditSeal, GenesisSealHash, LeafDigestBytes, sealHash, verifySealSignature } from "./seal.ts"
import type { TrustedKey } from "./key-rotation.ts"

/** One stored message: its stream sequence and its bytes exactly as stored. */
export interface StoredEntry {
  readonly seq: number
  readonly bytes: Uint8Array
}

/**
 * How the record differs from what was sealed:
 * - `altered`: the entry at this sequence is not the one sealed;
 * - `removed`: this sequence is missing;
 * - `inserted`: an entry that was never sealed claims this sequence, or a second copy does;
 * - `reordered`: this sequence is present, but not in its place;
 * - `seal`: the seals themselves do not hold from here on (signature, chain link, coverage).
 */
export type BreakKind = "altered" | "removed" | "inserted" | "reordered" | "seal"

export interface Intact {
  readonly _tag: "Intact"
  /** Entries checked against a seal. */
  readonly sealedEntries: number
  /** Seals whose whole range was checked, Merkle root included. */
  readonly sealsChecked: number
  /** Seals in the chain (all signatures and links are checked). */
  readonly seals: number
  /** Entries after the last seal: in order, but not yet sealed, so not provably unaltered. */
  readonly unsealedEntries: number
  readonly firstSeq: number | undefined
  readonly lastSeq: number | undefined
  readonly lastSealedSeq: number | undefined
}

export interface Broken {
  readonly _tag: "Broken"
  /** The first stream sequence that is not as sealed. */
  readonly seq: number
  readonly kind: BreakKind
  readonly reason: string
}

export type Verdict = Intact | Broken

export interface VerifyOptions {
  /** The keys seals may be signed with, each for the sequences it may seal (see `trustChain`). */
  readonly keys: ReadonlyArray<TrustedKey>
  /** `prevSealHash` the first seal must carry; default {@link GenesisSealHash}. */
  readonly anchor?: string
  /** The sequence the entries start at; default the first seal's `fromSeq`. Start at a seal's `fromSeq` for its root to be checked. */
  readonly fromSeq?: number
  /** The last sequence the entries are meant to reach; default everything sealed, then any unsealed tail. */
  readonly toSeq?: number
}

/** Fed the entries in the order they are presented, then asked for the verdict. Memory stays constant. */
export interface ChainVerifier {
  readonly push: (seq: number, bytes: Uint8Array) => void
  readonly finish: () => Verdict
}

interface CheckedSeal {
  readonly seal: AuditSeal
  readonly digests: Buffer
  /** `digests` as a latin1 string, compared with {@link leafHashText} per entry. */
  readonly digestText: string
}

const broken = (seq: number, kind: BreakKind, reason: string): Broken => ({ _tag: "Broken", seq, kind, reason })

/**
 * Checks the seal chain alone: signatures, links, contiguous coverage, digest lists.
 * Returns the seals that hold, and the first break if any (named by the first
 * sequence it leaves unproven).
 */
export const checkSeals = (
  seals: ReadonlyArray<AuditSeal>,
  options: Pick<VerifyOptions, "keys" | "anchor">
): { readonly valid: ReadonlyArray<CheckedSeal>; readonly break: Broken | undefined } => {
  const keys = new Map(options.keys.map((k) => [k.keyId, k]))
  const valid: Array<CheckedSeal> = []
  let prevHash = options.anchor ?? GenesisSealHash
  let prevTo: number | undefined
  for (const seal of seals) {
    const fail = (seq: number, reason: string) => ({ valid, break: broken(seq, "seal", reason) })
    const range = `seal ${seal.fromSeq}-${seal.toSeq}`
    if (prevTo !== undefined && seal.fromSeq !== prevTo + 1) {
      return fail(prevTo + 1, `${range} does not continue the previous seal, which ended at ${prevTo}`)
    }
    if (seal.prevSealHash !== prevHash) {
      return fail(prevTo === undefined ? seal.fromSeq : prevTo + 1, `${range} does not link to the previous seal (a seal was removed, altered or inserted)`)
    }
    const key = keys.get(seal.keyId)
    if (key === undefined) {
      return fail(seal.fromSeq, `${range} is signed with key ${seal.keyId}, which is neither trusted nor announced by a trusted key`)
    }
    if (key.validFromSeq !== undefined && seal.fromSeq < key.validFromSeq) {
      return fail(seal.fromSeq, `${range} is signed with key ${seal.keyId}, which key ${key.announcedBy ?? "?"} announced only for seals from ${key.validFromSeq}`)
    }
    if (key.validBeforeSeq !== undefined && seal.toSeq >= key.validBeforeSeq) {
      return fail(seal.fromSeq, `${range} is signed with key ${seal.keyId}, which was rotated away from sequence ${key.validBeforeSeq}`)
    }
    if (!verifySealSignature(seal, key)) return fail(seal.fromSeq, `${range}: signature does not verify`)
    if (seal.toSeq < seal.fromSeq || seal.count !== seal.toSeq - seal.fromSeq + 1) {
      return fail(seal.fromSeq, `${range}: count ${seal.count} does not fit the range`)
    }
    const digests = Buffer.from(seal.leafDigests, "base64")
    if (digests.length !== seal.count * LeafDigestBytes || toHex(sha256(digests)) !== seal.leafDigestsHash) {
      return fail(seal.fromSeq, `${range}: the list of entry digests is not the one signed`)
    }
    valid.push({ seal, digests, digestText: digests.toString("latin1") })
    prevHash = sealHash(seal)
    prevTo = seal.toSeq
  }
  return { valid, break: undefined }
}

/**
 * Verifies entries against a chain of seals and names the first sequence that is not
 * as sealed. Every leaf is checked against the digest its seal lists and every fully
 * walked seal against its Merkle root; gaps, duplicates and out-of-place sequences
 * are told apart by looking at what follows the first anomaly.
 */
export const chainVerifier = (seals: ReadonlyArray<AuditSeal>, options: VerifyOptions): ChainVerifier => {
  const checked = checkSeals(seals, options)
  const valid = checked.valid
  const sealBreak = checked.break
  const lastSealed = valid.at(-1)?.seal.toSeq
  const stopAt = sealBreak?.seq ?? Number.POSITIVE_INFINITY
  const expectedEnd = Math.min(options.toSeq ?? Number.POSITIVE_INFINITY, lastSealed ?? 0)

  let next: number | undefined = options.fromSeq ?? valid[0]?.seal.fromSeq
  let sealIndex = next === undefined ? 0 : valid.findIndex((c) => c.seal.toSeq >= next!)
  if (sealIndex < 0) sealIndex = valid.length
  let leaves: Array<string> = []
  let sealedEntries = 0
  let sealsChecked = 0
  let unsealedEntries = 0
  let firstSeq: number | undefined
  let lastSeq: number | undefined
  let verdict: Broken | undefined

  // The first anomaly, and what the entries after it tell about it.
  let anomaly:
    | { expected: number; found: number; foundMatches: boolean | undefined; expectedLater: boolean; expectedMatchesLater: boolean; foundAgain: boolean }
    | undefined

  const sealOf = (seq: number): CheckedSeal | undefined => {
    let lo = 0
    let hi = valid.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = valid[mid]!
      if (seq < c.seal.fromSeq) hi = mid - 1
      else if (seq > c.seal.toSeq) lo = mid + 1
      else return c
    }
    return undefined
  }

  const matches = (c: CheckedSeal, seq: number, leaf: string) => {
    const at = (seq - c.seal.fromSeq) * LeafDigestBytes
    const listed = c.digestText
    for (let i = 0; i < LeafDigestBytes; i++) if (listed.charCodeAt(at + i) !== leaf.charCodeAt(i)) return false
    return true
  }

  /** undefined when no seal covers the sequence. */
  const matchesSeal = (seq: number, bytes: Uint8Array): boolean | undefined => {
    const c = sealOf(seq)
    return c === undefined ? undefined : matches(c, seq, leafHashText(seq, bytes))
  }

  const push = (seq: number, bytes: Uint8Array) => {
    if (verdict !== undefined) return
    if (anomaly !== undefined) {
      if (seq === anomaly.expected) {
        anomaly.expectedLater = true
        if (anomaly.found === anomaly.expected && matchesSeal(seq, bytes) === true) anomaly.expectedMatchesLater = true
      } else if (seq === anomaly.found) {
        anomaly.foundAgain = true
      }
      return
    }
    if (next === undefined) next = seq
    if (next >= stopAt) {
      verdict = sealBreak
      return
    }
    firstSeq ??= seq
    if (seq < next) {
      verdict = broken(seq, "inserted", `a second entry claims sequence ${seq}, after sequence ${next - 1}`)
      return
    }
    if (seq > next) {
      anomaly = { expected: next, found: seq, foundMatches: matchesSeal(seq, bytes), expectedLater: false, expectedMatchesLater: false, foundAgain: false }
      return
    }
    const current = valid[sealIndex]
    if (current === undefined || seq < current.seal.fromSeq) {
      unsealedEntries++
    } else {
      const leaf = leafHashText(seq, bytes)
      if (!matches(current, seq, leaf)) {
        anomaly = { expected: next, found: seq, foundMatches: false, expectedLater: false, expectedMatchesLater: false, foundAgain: false }
        return
      }
      sealedEntries++
      leaves.push(leaf)
      if (seq === current.seal.toSeq) {
        if (leaves.length === current.seal.count) {
          if (merkleRootHexOfText(leaves) !== current.seal.merkleRoot) {
            verdict = broken(current.seal.fromSeq, "seal", `seal ${current.seal.fromSeq}-${current.seal.toSeq}: its Merkle root does not match its own entries`)
            return
          }
          sealsChecked++
        }
        leaves = []
        sealIndex++
      }
    }
    lastSeq = seq
    next = seq + 1
  }

  const classify = (a: NonNullable<typeof anomaly>): Broken => {
    if (a.found === a.expected) {
      return a.expectedMatchesLater
        ? broken(a.expected, "inserted", `an entry that was never sealed claims sequence ${a.expected}; the sealed one follows it`)
        : broken(a.expected, "altered", `entry ${a.expected} does not match its seal`)
    }
    if (a.foundAgain) return broken(a.found, "inserted", `a second entry claims sequence ${a.found}, where ${a.expected} was expected`)
    if (a.foundMatches === false) return broken(a.found, "inserted", `entry ${a.found} does not match its seal and stands where ${a.expected} was expected`)
    return a.expectedLater
      ? broken(a.expected, "reordered", `entry ${a.expected} is out of place: ${a.found} stands where it belongs`)
      : broken(a.expected, "removed", `entry ${a.expected} is missing (the next is ${a.found})`)
  }

  const finish = (): Verdict => {
    let found: Broken | undefined = verdict ?? (anomaly === undefined ? undefined : classify(anomaly))
    if (found === undefined && next !== undefined && next <= expectedEnd && next < stopAt) {
      found = broken(next, "removed", `entry ${next} is missing: the entries end before the seals do (sealed up to ${lastSealed})`)
    }
    if (sealBreak !== undefined && (found === undefined || sealBreak.seq < found.seq)) found = sealBreak
    if (found !== undefined) return found
    return { _tag: "Intact", sealedEntries, sealsChecked, seals: seals.length, unsealedEntries, firstSeq, lastSeq, lastSealedSeq: lastSealed }
  }

  return { push, finish }
}

/** {@link chainVerifier} over entries in the order given. */
export const verifyAuditTrail = (
  entries: Iterable<StoredEntry>,
  seals: ReadonlyArray<AuditSeal>,
  options: VerifyOptions
): Verdict => {
  const verifier = chainVerifier(seals, options)
  for (const entry of entries) verifier.push(entry.seq, entry.bytes)
  return verifier.finish()
}
