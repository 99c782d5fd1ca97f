import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { generateSealKey, GenesisSealHash, leafHash, makeSeal, sealHash, type AuditSeal } from "./index.ts"
import { EntryContent, entryBytes, sealedTrail, testKey } from "./trail.fixture.ts"
import { verifyAuditTrail, type StoredEntry, type Verdict } from "./verify.ts"

const keys = [testKey]
const verify = (entries: ReadonlyArray<StoredEntry>, seals: ReadonlyArray<AuditSeal>, options: { fromSeq?: number; toSeq?: number } = {}) =>
  verifyAuditTrail(entries, seals, { keys, ...options })

const brokenAt = (verdict: Verdict) => (verdict._tag === "Broken" ? { seq: verdict.seq, kind: verdict.kind } : "intact")

const Int = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
const Contents = Schema.Array(EntryContent).check(Schema.isMinLength(2), Schema.isMaxLength(30))
const SealSize = Int(1, 8)
const Pick = Int(0, 1_000_000)
const runs = { arbitrary: { runs: 300 } }

const sample = (n: number, sealSize = 4, firstSeq = 1) =>
  sealedTrail(
    Array.from({ length: n }, (_, i): EntryContent => ({
      id: `e${i}`,
      tenant: "demo",
      kind: "incident_event",
      at: "2026-11-25T21:00:00.000Z",
      actor: { kind: "operator", id: "u-kari" },
      summary: `entry ${i}`,
      n: i
    })),
    sealSize,
    firstSeq
  )

describe("audit trail verification", () => {
  it("an untouched trail is intact, with every entry and seal checked", () => {
    const { entries, seals } = sample(23, 5)
    expect(verify(entries, seals)).toEqual({
      _tag: "Intact",
      sealedEntries: 23,
      sealsChecked: 5,
      seals: 5,
      unsealedEntries: 0,
      firstSeq: 1,
      lastSeq: 23,
      lastSealedSeq: 23
    })
  })

  it("entries after the last seal are reported as unsealed, not as a break", () => {
    const { entries, seals } = sample(20, 5)
    const verdict = verify(entries, seals.slice(0, 3))
    expect(verdict).toMatchObject({ _tag: "Intact", sealedEntries: 15, unsealedEntries: 5, lastSealedSeq: 15 })
  })

  it("a stream whose first entries have aged out verifies from its first seal", () => {
    const { entries, seals } = sample(12, 4, 1001)
    expect(verify(entries, seals)).toMatchObject({ _tag: "Intact", firstSeq: 1001, lastSeq: 1012 })
  })

  it("a range starting at a seal boundary verifies on its own", () => {
    const { entries, seals } = sample(30, 5)
    expect(verify(entries.slice(10, 20), seals, { fromSeq: 11, toSeq: 20 })).toMatchObject({ _tag: "Intact", sealedEntries: 10, sealsChecked: 2 })
  })

  it("the last sealed entry missing is a removal", () => {
    const { entries, seals } = sample(10, 5)
    expect(brokenAt(verify(entries.slice(0, 9), seals))).toEqual({ seq: 10, kind: "removed" })
  })

  describe("seals", () => {
    const { entries, seals } = sample(20, 5)

    it("an altered seal, a removed seal and a seal from an unknown key are each named", () => {
      const altered = seals.map((s, i) => (i === 2 ? { ...s, sealedAt: "2030-01-01T00:00:00.000Z" } : s))
      expect(brokenAt(verify(entries, altered))).toEqual({ seq: 11, kind: "seal" })
      expect(brokenAt(verify(entries, [seals[0]!, seals[2]!, seals[3]!]))).toEqual({ seq: 6, kind: "seal" })
      expect(brokenAt(verifyAuditTrail(entries, seals, { keys: [generateSealKey()] }))).toEqual({ seq: 1, kind: "seal" })
    })

    it("a trail altered and then re-sealed with another key is refused", () => {
      const forger = generateSealKey()
      const tampered = entries.map((e, k) => (k === 7 ? { seq: e.seq, bytes: new TextEncoder().encode("{}") } : e))
      const resealed = sealedTrail([], 1).seals.concat(
        tampered.reduce<Array<AuditSeal>>((out, e) => {
          const prev = out.at(-1)
          return [...out, makeSeal({ stream: "WT_AUDIT", fromSeq: e.seq, leaves: [leafHash(e.seq, e.bytes)], prevSealHash: prev === undefined ? GenesisSealHash : sealHash(prev), sealedAt: "x", key: forger })]
        }, [])
      )
      expect(verifyAuditTrail(tampered, resealed, { keys: [forger] })._tag).toBe("Intact")
      expect(brokenAt(verify(tampered, resealed))).toEqual({ seq: 1, kind: "seal" })
    })

    it("a first seal that does not start from the genesis link is refused", () => {
      const bytes = new Uint8Array([1])
      const other = makeSeal({ stream: "WT_AUDIT", fromSeq: 1, leaves: [leafHash(1, bytes)], prevSealHash: "1".repeat(64), sealedAt: "x", key: testKey })
      expect(brokenAt(verify([{ seq: 1, bytes }], [other]))).toEqual({ seq: 1, kind: "seal" })
    })
  })

  describe("tampering is found and named exactly (property tests)", () => {
    it.prop("changing one byte of any entry names that entry as altered", [Contents, SealSize, Pick, Pick, Int(1, 255)], ([contents, size, at, byte, xor]) => {
      const { entries, seals } = sealedTrail(contents, size)
      const victim = at % entries.length
      const bytes = Uint8Array.from(entries[victim]!.bytes)
      const i = byte % bytes.length
      bytes[i] = bytes[i]! ^ xor
      const tampered = entries.map((e, k) => (k === victim ? { seq: e.seq, bytes } : e))
      expect(brokenAt(verify(tampered, seals))).toEqual({ seq: entries[victim]!.seq, kind: "altered" })
    }, runs)

    it.prop("dropping any entry names it as removed", [Contents, SealSize, Pick], ([contents, size, at]) => {
      const { entries, seals } = sealedTrail(contents, size)
      const victim = at % entries.length
      const tampered = entries.filter((_, k) => k !== victim)
      expect(brokenAt(verify(tampered, seals))).toEqual({ seq: entries[victim]!.seq, kind: "removed" })
    }, runs)

    it.prop(
      "inserting an entry anywhere, under any sealed sequence, names that sequence as inserted",
      [Contents, SealSize, Pick, Pick, EntryContent, Schema.Boolean],
      ([contents, size, at, claim, forged, claimsItsPlace]) => {
        const { entries, seals } = sealedTrail(contents, size)
        const position = at % (entries.length + 1)
        // Either it pretends to be the entry it stands before, or it claims any sealed sequence.
        const seq = claimsItsPlace && position < entries.length ? entries[position]!.seq : entries[claim % entries.length]!.seq
        const extra = { seq, bytes: entryBytes({ ...forged, summary: `forged ${forged.summary}` }, seq) }
        const tampered = [...entries.slice(0, position), extra, ...entries.slice(position)]
        expect(brokenAt(verify(tampered, seals))).toEqual({ seq, kind: "inserted" })
      },
      runs
    )

    it.prop("a copy of a sealed entry inserted elsewhere is named as inserted", [Contents, SealSize, Pick, Pick], ([contents, size, at, which]) => {
      const { entries, seals } = sealedTrail(contents, size)
      const copy = entries[which % entries.length]!
      const position = at % (entries.length + 1)
      const tampered = [...entries.slice(0, position), copy, ...entries.slice(position)]
      expect(brokenAt(verify(tampered, seals))).toEqual({ seq: copy.seq, kind: "inserted" })
    }, runs)

    it.prop("swapping any two entries names the earlier one as reordered", [Contents, SealSize, Pick, Pick], ([contents, size, a, b]) => {
      const { entries, seals } = sealedTrail(contents, size)
      const i = a % entries.length
      let j = b % entries.length
      if (j === i) j = (i + 1) % entries.length
      const [lo, hi] = i < j ? [i, j] : [j, i]
      const tampered = entries.slice()
      tampered[lo] = entries[hi]!
      tampered[hi] = entries[lo]!
      expect(brokenAt(verify(tampered, seals))).toEqual({ seq: entries[lo]!.seq, kind: "reordered" })
    }, runs)

    it.prop("swapping the contents of two entries but not their sequences names the earlier one as altered", [Contents, SealSize, Pick, Pick], ([contents, size, a, b]) => {
      const { entries, seals } = sealedTrail(contents, size)
      const i = a % entries.length
      let j = b % entries.length
      if (j === i) j = (i + 1) % entries.length
      const [lo, hi] = i < j ? [i, j] : [j, i]
      const tampered = entries.map((e, k) => (k === lo ? { seq: e.seq, bytes: entries[hi]!.bytes } : k === hi ? { seq: e.seq, bytes: entries[lo]!.bytes } : e))
      expect(brokenAt(verify(tampered, seals))).toEqual({ seq: entries[lo]!.seq, kind: "altered" })
    }, runs)
  })
})
