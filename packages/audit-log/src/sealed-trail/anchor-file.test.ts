import { describe, expect, it } from "@effect/vitest"
import { anchorOfSeal, generateSealKey, leafHash, makeSeal, GenesisSealHash } from "@wt/audit-chain"
import { Effect } from "effect"
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { appendAnchor, readAnchors } from "./anchor-file.ts"

const key = generateSealKey()
const anchor = (fromSeq: number, toSeq: number) =>
  anchorOfSeal(
    makeSeal({
      stream: "WT_AUDIT",
      fromSeq,
      leaves: Array.from({ length: toSeq - fromSeq + 1 }, (_, i) => leafHash(fromSeq + i, new TextEncoder().encode(`entry ${fromSeq + i}`))),
      prevSealHash: GenesisSealHash,
      sealedAt: "2026-11-25T21:00:00.000Z",
      key
    }),
    { sealStreamSeq: toSeq, streamCreated: "2026-11-25T20:00:00Z", anchoredAt: "2026-11-25T21:00:00.000Z" }
  )

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-anchor-file-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("the anchors file", () => {
  it.effect("is created private, appended to, and read back whole or by its tail; a missing file holds nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "audit", "anchors.jsonl")
      expect(yield* readAnchors(file)).toEqual({ records: [], unreadable: [] })
      const written = Array.from({ length: 50 }, (_, i) => anchor(i * 10 + 1, i * 10 + 10))
      for (const a of written) yield* appendAnchor(file, a)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(statSync(join(dir, "audit")).mode & 0o777).toBe(0o700)
      expect((yield* readAnchors(file)).records).toEqual(written)
      // The tail: the line cut at its start is dropped, not reported.
      const tail = yield* readAnchors(file, 2000)
      expect(tail.unreadable).toEqual([])
      expect(tail.records.length).toBeGreaterThan(0)
      expect(tail.records).toEqual(written.slice(-tail.records.length))
    }).pipe(Effect.scoped))

  it.effect("a line torn by a crash costs only itself: the next record starts on a line of its own", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "anchors.jsonl")
      yield* appendAnchor(file, anchor(1, 10))
      appendFileSync(file, JSON.stringify(anchor(11, 20)).slice(0, 70))
      yield* appendAnchor(file, anchor(21, 30))
      const read = yield* readAnchors(file)
      expect(read.records).toEqual([anchor(1, 10), anchor(21, 30)])
      expect(read.unreadable).toEqual([2])
      expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true)
    }).pipe(Effect.scoped))
})
