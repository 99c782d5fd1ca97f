import { describe, expect, it } from "@effect/vitest"
import { anchorOfSeal, generateSealKey, GenesisSealHash, leafHash, makeSeal, parseAnchorLines } from "@wt/audit-chain"
import { until } from "@wt/nats/testing"
import { Effect, Metric, Option } from "effect"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { anchorCommandFailed, anchorHook, runAnchorCommand } from "./anchor-hook.ts"

const key = generateSealKey()
const anchor = (toSeq: number) =>
  anchorOfSeal(
    makeSeal({ stream: "WT_AUDIT", fromSeq: toSeq, leaves: [leafHash(toSeq, new Uint8Array([toSeq % 256]))], prevSealHash: GenesisSealHash, sealedAt: "2026-11-25T21:00:00.000Z", key }),
    { sealStreamSeq: toSeq, streamCreated: "2026-11-25T20:00:00Z", anchoredAt: "2026-11-25T21:00:00.000Z" }
  )

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wt-anchor-hook-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("WT_AUDIT_ANCHOR_COMMAND", () => {
  it.effect("gets the anchor as one JSON line on stdin; a failure or a hang is reported with its reason", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "worm.jsonl")
      yield* runAnchorCommand({ command: `cat >> '${out}'`, timeoutMs: 5_000 }, anchor(7))
      expect(parseAnchorLines(readFileSync(out, "utf8")).records).toEqual([anchor(7)])
      const failed = yield* Effect.flip(runAnchorCommand({ command: "echo 'store refused' >&2; exit 3", timeoutMs: 5_000 }, anchor(8)))
      expect(failed.message).toBe("exited with 3: store refused")
      const hung = yield* Effect.flip(runAnchorCommand({ command: "sleep 30", timeoutMs: 200 }, anchor(9)))
      expect(hung.message).toContain("did not finish within 200 ms")
    }).pipe(Effect.scoped))

  it.live("never holds up sealing: offers return at once while a run hangs, failures are counted, and the newest anchor waiting is the one run next", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "worm.jsonl")
      const before = (yield* Metric.value(anchorCommandFailed)).count
      // The first run hangs until killed; the others append what they are given.
      const command = `if [ -e '${dir}/first-done' ]; then cat >> '${out}'; else touch '${dir}/first-done'; sleep 30; fi`
      const hook = yield* anchorHook(Option.some({ command, timeoutMs: 500 }))
      yield* hook.offer(anchor(1))
      yield* until(() => existsSync(join(dir, "first-done")), "the first run started")
      const started = Date.now()
      for (const seq of [2, 3, 4, 5]) yield* hook.offer(anchor(seq))
      expect(Date.now() - started).toBeLessThan(100)
      yield* Effect.sleep("1500 millis")
      expect((yield* Metric.value(anchorCommandFailed)).count).toBe(before + 1)
      // 1 hung; 2-4 were replaced by 5 while it did.
      expect(parseAnchorLines(readFileSync(out, "utf8")).records).toEqual([anchor(5)])
    }).pipe(Effect.scoped), { timeout: 20_000 })
})
