import {
  type AuditSeal,
  type Broken,
  checkSeals,
  type InclusionProof,
  LeafDigestBytes,
  leafHash,
  proveInclusion,
  type SealPublicKey,
  type StoredEntry,
  verifyInclusion
} from "@wt/audit-chain"
import { readPublishedKeys, readSeals, readStreamRange, SealedStream, verifyingKeys } from "@wt/audit-log"
import { Effect, Result } from "effect"
import { requireAuditStreams } from "./audit-verification.ts"

/** One audit entry about the incident, and what the seals say about it. */
export interface IncidentAuditEntry {
  /** Sequence in WT_AUDIT. */
  readonly seq: number
  readonly kind: string
  readonly at: string
  readonly summary: string
  /** Where the audited fact is stored, e.g. the incident event in WT_INCIDENT. */
  readonly origin?: { readonly stream: string; readonly seq: number }
  /** `sealed`: unaltered under a valid seal, with a Merkle proof; `unsealed`: newer than the newest seal. */
  readonly status: "sealed" | "unsealed" | "altered"
  /** The entry exactly as stored, so the proof can be checked by anyone holding the public key. */
  readonly text: string
  readonly proof?: InclusionProof
}

export interface IncidentIntegrity {
  readonly entries: ReadonlyArray<IncidentAuditEntry>
  readonly seals: number
  readonly keyIds: ReadonlyArray<string>
  /** The first break in the seal chain (signatures, links, coverage), if any. */
  readonly chainBreak?: Broken
}

const utf8 = new TextDecoder()

/**
 * Finds every audit entry about one incident and proves each against the seals: its
 * leaf matches the digest its seal lists, and a Merkle audit path leads from it to
 * the seal's signed root. Reads the whole of WT_AUDIT once; ids only are matched.
 */
export const incidentIntegrity = Effect.fn("cli.incidentIntegrity")(function*(incidentId: string, pinned: ReadonlyArray<SealPublicKey> | undefined) {
  yield* requireAuditStreams
  const seals = yield* readSeals
  const keys = pinned ?? verifyingKeys(yield* readPublishedKeys)
  const chain = checkSeals(seals, { keys })
  const valid = chain.valid
  const needle = Buffer.from(`"incidentId":${JSON.stringify(incidentId)}`)
  const found: Array<Omit<IncidentAuditEntry, "status" | "proof"> & { bytes: Uint8Array; matches: boolean | undefined }> = []
  const proofs = new Map<number, InclusionProof>()

  let sealIndex = 0
  let sealEntries: Array<StoredEntry> = []
  let wanted: Array<number> = []
  const closeSeal = (seal: AuditSeal) => {
    if (wanted.length > 0) {
      const proved = proveInclusion(sealEntries, seal, wanted)
      if (Result.isSuccess(proved)) for (const p of proved.success) proofs.set(p.seq, p)
    }
    sealEntries = []
    wanted = []
  }

  yield* readStreamRange({
    stream: SealedStream,
    onMessage: (m) => {
      while (valid[sealIndex] !== undefined && valid[sealIndex]!.seal.toSeq < m.seq) sealIndex++
      const current = valid[sealIndex]
      const covered = current !== undefined && current.seal.fromSeq <= m.seq
      if (covered) sealEntries.push({ seq: m.seq, bytes: m.data })
      if (Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).indexOf(needle) >= 0) {
        try {
          const entry = JSON.parse(utf8.decode(m.data)) as { kind?: string; at?: string; summary?: string; origin?: { stream: string; seq: number }; subject?: { incidentId?: string } }
          if (entry.subject?.incidentId === incidentId) {
            let matches: boolean | undefined
            if (covered) {
              const at = (m.seq - current.seal.fromSeq) * LeafDigestBytes
              matches = current.digests.compare(leafHash(m.seq, m.data), 0, LeafDigestBytes, at, at + LeafDigestBytes) === 0
              wanted.push(m.seq)
            }
            found.push({
              seq: m.seq,
              kind: entry.kind ?? "?",
              at: entry.at ?? "?",
              summary: entry.summary ?? "",
              ...(entry.origin === undefined ? {} : { origin: entry.origin }),
              text: utf8.decode(m.data),
              bytes: m.data,
              matches
            })
          }
        } catch {
          // Not JSON any more: only the seal can say what it was; `wt audit verify` names it.
        }
      }
      if (covered && m.seq === current.seal.toSeq) closeSeal(current.seal)
    }
  })

  const entries = found.map(({ bytes, matches, ...e }): IncidentAuditEntry => {
    const proof = proofs.get(e.seq)
    if (matches === undefined) return { ...e, status: "unsealed" }
    const proven = proof !== undefined && matches && Result.isSuccess(verifyInclusion({ seq: e.seq, bytes }, proof, keys))
    return proven ? { ...e, status: "sealed", proof } : { ...e, status: "altered" }
  })
  return {
    entries,
    seals: seals.length,
    keyIds: keys.map((k) => k.keyId),
    ...(chain.break === undefined ? {} : { chainBreak: chain.break })
  } satisfies IncidentIntegrity
})

/** The integrity of an incident's record in words, for the text and HTML timelines. */
export const integrityLines = (i: IncidentIntegrity): ReadonlyArray<string> => {
  const count = (s: IncidentAuditEntry["status"]) => i.entries.filter((e) => e.status === s).length
  return [
    `${i.entries.length} audit entries about this incident: ${count("sealed")} sealed and unaltered (each with a Merkle proof to a signed seal), ${count("unsealed")} not yet sealed, ${count("altered")} altered`,
    i.chainBreak === undefined
      ? `seal chain intact: ${i.seals} seals, signed by ${i.keyIds.join(", ") || "no known key"}`
      : `SEAL CHAIN BROKEN at sequence ${i.chainBreak.seq}: ${i.chainBreak.reason}`,
    ...i.entries.map((e) =>
      `audit #${e.seq} ${e.kind}${e.origin === undefined ? "" : ` (${e.origin.stream} #${e.origin.seq})`}: ${
        e.status === "sealed" ? `sealed in ${e.proof!.seal.fromSeq}–${e.proof!.seal.toSeq}` : e.status === "unsealed" ? "not yet sealed" : "ALTERED"
      }`
    )
  ]
}
