import { Schema } from "effect"
import { generateSealKey, makeSeal, type AuditSeal, GenesisSealHash, leafHash, sealHash, type SealKey } from "./index.ts"
import type { StoredEntry } from "./verify.ts"

/** The shape of an audit entry, enough to give the entries realistic, varied bytes. */
export const EntryContent = Schema.Struct({
  id: Schema.String,
  tenant: Schema.Literals(["demo", "fjordvik", "nordby"]),
  kind: Schema.Literals(["device_event", "triage_decision", "incident_event", "record_view"]),
  at: Schema.String,
  actor: Schema.Struct({ kind: Schema.Literals(["system", "operator", "service"]), id: Schema.String }),
  summary: Schema.String,
  n: Schema.Int
})
export type EntryContent = typeof EntryContent.Type

const utf8 = new TextEncoder()

export const entryBytes = (content: EntryContent, seq: number): Uint8Array =>
  // The sequence is folded in so no two entries have the same bytes, as in the real stream (ids differ).
  utf8.encode(JSON.stringify({ ...content, id: `${content.id}-${seq}` }))

export const testKey: SealKey = generateSealKey()

/** Entries from `firstSeq` on, sealed every `sealSize` entries with `testKey`. */
export const sealedTrail = (
  contents: ReadonlyArray<EntryContent>,
  sealSize: number,
  firstSeq = 1,
  key: SealKey = testKey
): { readonly entries: ReadonlyArray<StoredEntry>; readonly seals: ReadonlyArray<AuditSeal> } => {
  const entries = contents.map((c, i) => ({ seq: firstSeq + i, bytes: entryBytes(c, firstSeq + i) }))
  const seals: Array<AuditSeal> = []
  let prev = GenesisSealHash
  for (let i = 0; i < entries.length; i += sealSize) {
    const chunk = entries.slice(i, i + sealSize)
    const seal = makeSeal({
      stream: "WT_AUDIT",
      fromSeq: chunk[0]!.seq,
      leaves: chunk.map((e) => leafHash(e.seq, e.bytes)),
      prevSealHash: prev,
      sealedAt: "2026-11-25T21:00:00.000Z",
      key
    })
    seals.push(seal)
    prev = sealHash(seal)
  }
  return { entries, seals }
}
