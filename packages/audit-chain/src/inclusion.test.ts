import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { generateSealKey } from "./seal-key.ts"
import { proveInclusion, verifyInclusion } from "./inclusion.ts"
import { EntryContent, sealedTrail, testKey } from "./trail.fixture.ts"

const Int = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))

describe("inclusion proofs", () => {
  it.prop(
    "every entry of a seal has a proof that verifies, and only for its own bytes and position",
    [Schema.Array(EntryContent).check(Schema.isMinLength(2), Schema.isMaxLength(40)), Int(1, 17), Int(0, 1_000_000)],
    ([contents, size, pick]) => {
      const { entries, seals } = sealedTrail(contents, size)
      const entry = entries[pick % entries.length]!
      const seal = seals.find((s) => s.fromSeq <= entry.seq && entry.seq <= s.toSeq)!
      const sealEntries = entries.filter((e) => e.seq >= seal.fromSeq && e.seq <= seal.toSeq)
      const [proof] = Result.getOrThrow(proveInclusion(sealEntries, seal, [entry.seq]))
      expect(Result.isSuccess(verifyInclusion(entry, proof!, [testKey]))).toBe(true)

      const altered = Uint8Array.from(entry.bytes)
      altered[pick % altered.length] = altered[pick % altered.length]! ^ 0x20
      expect(Result.isFailure(verifyInclusion({ seq: entry.seq, bytes: altered }, proof!, [testKey]))).toBe(true)
      expect(Result.isFailure(verifyInclusion(entry, proof!, [generateSealKey()]))).toBe(true)
      const neighbour = sealEntries.find((e) => e.seq !== entry.seq)
      if (neighbour !== undefined) {
        expect(Result.isFailure(verifyInclusion({ seq: entry.seq, bytes: neighbour.bytes }, proof!, [testKey]))).toBe(true)
      }
    }
  )

  it("a proof carries only the signed header, not the other entries' digests", () => {
    const { entries, seals } = sealedTrail(Array.from({ length: 8 }, (_, n) => ({ id: "x", tenant: "demo" as const, kind: "record_view" as const, at: "t", actor: { kind: "operator" as const, id: "u" }, summary: "s", n })), 8)
    const [proof] = Result.getOrThrow(proveInclusion(entries, seals[0]!, [3]))
    expect(proof!.path).toHaveLength(3)
    expect("leafDigests" in proof!.seal).toBe(false)
  })

  it("entries that do not reproduce the seal's root give no proof", () => {
    const { entries, seals } = sealedTrail(Array.from({ length: 4 }, (_, n) => ({ id: "x", tenant: "demo" as const, kind: "record_view" as const, at: "t", actor: { kind: "operator" as const, id: "u" }, summary: "s", n })), 4)
    const tampered = entries.map((e) => (e.seq === 2 ? { seq: 2, bytes: new Uint8Array([1]) } : e))
    expect(Result.isFailure(proveInclusion(tampered, seals[0]!, [1]))).toBe(true)
  })
})
