import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  anchorLine,
  anchorOfSeal,
  anchorState,
  baselineOf,
  baselineSealStreamSeq,
  checkAgainstAnchors,
  type ObservedTrail,
  parseAnchorLines,
  type SealAnchor,
  type TrailAcknowledgment,
  trailFindings
} from "./anchor.ts"
import { type AuditSeal, sealHash } from "./seal.ts"
import { EntryContent, sealedTrail, testKey } from "./trail.fixture.ts"
import { verifyAuditTrail } from "./verify.ts"

const Created = "2026-11-25T20:00:00.000000001Z"
const Recreated = "2026-11-26T03:12:00.5Z"

const anchorsOf = (seals: ReadonlyArray<AuditSeal>, streamCreated = Created): ReadonlyArray<SealAnchor> =>
  seals.map((seal, i) => anchorOfSeal(seal, { sealStreamSeq: i + 2, streamCreated, anchoredAt: `2026-11-25T21:00:${String(i % 60).padStart(2, "0")}.000Z` }))

const content = (i: number, tag = "original"): EntryContent => ({
  id: `${tag}-${i}`,
  tenant: "demo",
  kind: "incident_event",
  at: "2026-11-25T21:00:00.000Z",
  actor: { kind: "operator", id: "u-kari" },
  summary: `${tag} ${i}`,
  n: i
})
const trail = (n: number, sealSize: number, tag = "original") => sealedTrail(Array.from({ length: n }, (_, i) => content(i, tag)), sealSize)

const Int = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
const runs = { arbitrary: { runs: 200 } }

describe("anchors against the seals as they are now", () => {
  it("a trail that still holds every anchored seal passes, whichever anchors were written", () => {
    const { seals } = trail(23, 5)
    const anchors = anchorsOf(seals)
    expect(checkAgainstAnchors(seals, anchors, 23)).toBeUndefined()
    // Anchors lost on the way (a failed write) bind less, never wrongly.
    expect(checkAgainstAnchors(seals, [anchors[1]!, anchors[3]!], 23)).toBeUndefined()
    expect(checkAgainstAnchors(seals, [], 0)).toBeUndefined()
  })

  it("the finding of issue 25: both streams deleted and re-created empty is NOT intact, naming the missing entries", () => {
    const before = trail(120, 40)
    const anchors = anchorsOf(before.seals)
    // What the old verifier said of the re-created, empty streams: intact.
    expect(verifyAuditTrail([], [], { keys: [testKey] })).toMatchObject({ _tag: "Intact", firstSeq: undefined })
    const broken = checkAgainstAnchors([], anchors, 0)
    expect(broken).toMatchObject({ _tag: "Broken", seq: 1, kind: "removed" })
    expect(broken!.reason).toContain("entries 1–120 are missing")
    expect(broken!.reason).toContain("the stream is empty and its seal stream holds no seals")
    // Streams gone altogether.
    expect(checkAgainstAnchors([], anchors, undefined)!.reason).toContain("the stream does not exist")
  })

  it.prop("deleted and started again with fewer entries: removed from sequence 1", [Int(2, 60), Int(1, 8), Int(0, 59)], ([n, size, kept]) => {
    const before = trail(n, size)
    const after = trail(Math.min(kept, n - 1), size, "forged")
    const broken = checkAgainstAnchors(after.seals, anchorsOf(before.seals), after.entries.length)
    expect(broken).toMatchObject({ _tag: "Broken", seq: 1, kind: "removed" })
    // The re-created chain verifies on its own: only the anchors tell.
    expect(verifyAuditTrail(after.entries, after.seals, { keys: [testKey] })._tag).toBe("Intact")
  }, runs)

  it.prop("cut short with its seals at any seal: removed from the first entry no longer sealed", [Int(2, 60), Int(1, 8), Int(0, 1000)], ([n, size, at]) => {
    const { entries, seals } = trail(n, size)
    const keep = at % seals.length
    const cutSeals = seals.slice(0, keep)
    const lastKept = cutSeals.at(-1)?.toSeq ?? 0
    const broken = checkAgainstAnchors(cutSeals, anchorsOf(seals), lastKept)
    expect(broken).toMatchObject({ _tag: "Broken", seq: lastKept + 1, kind: "removed" })
    expect(verifyAuditTrail(entries.slice(0, lastKept), cutSeals, { keys: [testKey] })._tag).toBe("Intact")
  }, runs)

  it.prop("re-created with as many entries or more and sealed again: the seals were replaced", [Int(1, 60), Int(1, 8), Int(0, 20)], ([n, size, extra]) => {
    const before = trail(n, size)
    const after = trail(n + extra, size, "forged")
    expect(checkAgainstAnchors(after.seals, anchorsOf(before.seals), n + extra)).toMatchObject({ _tag: "Broken", seq: 1, kind: "seal" })
  }, runs)

  it("entries cut while the seals stay: removed after the trail's end", () => {
    const { seals } = trail(20, 5)
    expect(checkAgainstAnchors(seals, anchorsOf(seals), 12)).toMatchObject({ _tag: "Broken", seq: 13, kind: "removed" })
  })
})

const ack = (over: Partial<TrailAcknowledgment> = {}): TrailAcknowledgment => ({
  type: "acknowledged",
  v: 1,
  stream: "WT_AUDIT",
  at: "2026-11-26T08:00:00.000Z",
  by: "kari",
  reason: "restored from backup after disk failure",
  streamCreated: Recreated,
  lastSeal: null,
  previous: null,
  ...over
})

describe("the audit service's check before it seals", () => {
  const { seals } = trail(120, 40)
  const anchors = anchorsOf(seals)
  const latest = anchors.at(-1)!
  const asStored: ObservedTrail = {
    stream: { created: Created, lastSeq: 130 },
    lastSeal: { toSeq: 120, sealHash: sealHash(seals.at(-1)!), sealStreamSeq: latest.sealStreamSeq },
    sealAtAnchor: latest.sealHash
  }
  const anchored = { _tag: "Anchored" as const, anchor: latest }

  it("finds nothing when the trail is as anchored, or when nothing was ever anchored", () => {
    expect(trailFindings(anchored, asStored)).toEqual([])
    expect(trailFindings(undefined, { stream: { created: Created, lastSeq: 0 }, lastSeal: undefined, sealAtAnchor: undefined })).toEqual([])
  })

  it("names each way the trail went backwards", () => {
    const recreated = trailFindings(anchored, { stream: { created: Recreated, lastSeq: 4 }, lastSeal: undefined, sealAtAnchor: undefined })
    expect(recreated).toHaveLength(2)
    expect(recreated[0]).toContain("WT_AUDIT was re-created")
    expect(recreated[0]).toContain("the entries 1–120 sealed then are gone (it now ends at 4)")
    expect(recreated[1]).toContain("the seal stream holds no seal")
    expect(trailFindings(anchored, { ...asStored, stream: { created: Created, lastSeq: 90 } })).toEqual([expect.stringContaining("entries 91–120 are missing")])
    expect(trailFindings(anchored, { ...asStored, stream: undefined })[0]).toContain("WT_AUDIT does not exist")
    expect(trailFindings(anchored, { ...asStored, lastSeal: { ...asStored.lastSeal!, toSeq: 80 } })).toEqual([expect.stringContaining("the seals end at 80")])
    expect(trailFindings(anchored, { ...asStored, sealAtAnchor: "f".repeat(64) })).toEqual([expect.stringContaining("the seals were replaced")])
    expect(trailFindings(anchored, { ...asStored, sealAtAnchor: undefined })).toEqual([expect.stringContaining("the seals were replaced")])
  })

  it("after an acknowledgment, the trail is held to what was acknowledged", () => {
    const acknowledged = { _tag: "Acknowledged" as const, acknowledgment: ack() }
    const fresh: ObservedTrail = { stream: { created: Recreated, lastSeq: 7 }, lastSeal: undefined, sealAtAnchor: undefined }
    expect(trailFindings(acknowledged, fresh)).toEqual([])
    expect(trailFindings(acknowledged, { ...fresh, stream: { created: "2026-11-27T00:00:00Z", lastSeq: 0 } })).toEqual([expect.stringContaining("re-created")])
    const withSeal = { _tag: "Acknowledged" as const, acknowledgment: ack({ lastSeal: { toSeq: 40, sealHash: "a".repeat(64), sealStreamSeq: 3 } }) }
    expect(trailFindings(withSeal, { ...fresh, lastSeal: { toSeq: 40, sealHash: "a".repeat(64), sealStreamSeq: 3 }, sealAtAnchor: "a".repeat(64) })).toEqual([])
    expect(trailFindings(withSeal, fresh)).toEqual([expect.stringContaining("none left")])
  })
})

describe("anchors files", () => {
  const { seals } = trail(30, 10)
  const anchors = anchorsOf(seals)

  it("read back what was written; a torn last line is reported, not fatal", () => {
    const text = anchors.map(anchorLine).join("") + anchorLine(anchors[0]!).slice(0, 40)
    const read = parseAnchorLines(text)
    expect(read.records).toEqual(anchors)
    expect(read.unreadable).toEqual([4])
  })

  it("an acknowledgment starts the binding anchors afresh; this process's own newer seal counts when the file missed it", () => {
    const acknowledgment = ack({ at: "2026-11-25T21:00:01.500Z" })
    const records = [anchors[0]!, anchors[1]!, acknowledgment]
    const state = anchorState(records, "WT_AUDIT")
    expect(state).toMatchObject({ anchors: [], latest: undefined, acknowledgment })
    expect(baselineOf(state, undefined)).toEqual({ _tag: "Acknowledged", acknowledgment })
    // Sealed before the acknowledgment: no longer binding. Sealed after: binding.
    expect(baselineOf(state, anchors[1])).toEqual({ _tag: "Acknowledged", acknowledgment })
    expect(baselineOf(state, anchors[2])).toEqual({ _tag: "Anchored", anchor: anchors[2] })
    expect(baselineSealStreamSeq(baselineOf(state, anchors[2]))).toBe(anchors[2]!.sealStreamSeq)

    const later = anchorState([...records, anchors[2]!], "WT_AUDIT")
    expect(later.latest).toEqual(anchors[2])
    expect(baselineOf(anchorState(anchors, "WT_AUDIT"), anchors[0])).toEqual({ _tag: "Anchored", anchor: anchors[2] })
    expect(anchorState(anchors, "OTHER").latest).toBeUndefined()
  })
})
