import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { registeredSighting } from "./heartbeat.ts"
import { followedLaneStart, kvAfterFor, kvWriteDue, pagesOf, withNewerSign } from "./signs-journal.ts"

const Int = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
const t0 = Date.parse("2026-12-05T03:00:00Z")
const minute = 60_000
const kvAfterMs = 10 * minute
// The journal's retention (SignsOfLifeKeepMs) and how often a copy looks for quiet devices.
const keepMs = 30 * minute
const scanEveryMs = 5_000

/**
 * One device's signs of life at the given gaps (seconds), each flushed as it comes; KV written by
 * the rule at each flush and, while `scanning`, at each look for quiet devices. Answers what KV
 * holds at the end and when the last sign came.
 */
const replay = (gapsS: ReadonlyArray<number>, untilMs: number, scanning: boolean, afterMs = kvAfterMs) => {
  let kv = t0
  let newest = t0
  let now = t0
  const signs: Array<number> = []
  const scanUntil = (until: number) => {
    if (!scanning) return
    for (let at = now + scanEveryMs; at <= until; at += scanEveryMs) if (kvWriteDue(kv, newest, at, afterMs)) kv = newest
  }
  for (const gap of gapsS) {
    const at = now + gap * 1000
    scanUntil(at)
    now = at
    newest = at
    signs.push(at)
    if (kvWriteDue(kv, at, at, afterMs)) kv = at
  }
  scanUntil(untilMs)
  return { kv, newest, signs }
}

/** What a copy starting at `atMs` reads: KV, then whatever pages the journal still keeps. */
const restored = (kv: number, signs: ReadonlyArray<number>, atMs: number) => Math.max(kv, ...signs.filter((s) => s > atMs - keepMs))

// A device's history: the gaps between its signs (s), how long after the last one it is read (s), and which device it is.
const Gaps = Schema.Array(Int(1, 3 * 3600)).check(Schema.isMinLength(1))
const ReadAfterS = Int(0, 6 * 3600)
const Device = Int(1, 999_999)

const replayHistory = (gaps: ReadonlyArray<number>, afterS: number, device: number, scanning: boolean) => {
  const end = t0 + gaps.reduce((a, b) => a + b, 0) * 1000 + afterS * 1000
  return { end, ...replay(gaps, end, scanning, kvAfterFor(`demo.alarm-${device}`, kvAfterMs)) }
}

describe("supervision's journal of signs of life", () => {
  it("a device KV does not know is written at once; a sign no newer than KV's never is", () => {
    expect(kvWriteDue(undefined, t0, t0, kvAfterMs)).toBe(true)
    expect(kvWriteDue(t0, t0, t0 + keepMs, kvAfterMs)).toBe(false)
    expect(kvWriteDue(t0 + 1, t0, t0 + keepMs, kvAfterMs)).toBe(false)
  })

  it("a device reporting every minute is written to KV once every ten minutes, not once a minute", () => {
    const { kv } = replay(Array.from({ length: 60 }, () => 60), t0 + 60 * minute, false)
    let writes = 0
    let held = t0
    for (let i = 1; i <= 60; i++) {
      if (kvWriteDue(held, t0 + i * minute, t0 + i * minute, kvAfterMs)) {
        writes++
        held = t0 + i * minute
      }
    }
    expect(writes).toBe(6)
    expect(kv).toBe(t0 + 60 * minute)
  })

  it.prop(
    "while a copy runs, whatever the device's share of the set time, KV and the journal's last half hour together always hold the device's newest sign",
    [Gaps, ReadAfterS, Device],
    ([gaps, afterS, device]) => {
      const { end, kv, newest, signs } = replayHistory(gaps, afterS, device, true)
      expect(restored(kv, signs, end)).toBe(newest)
    }
  )

  it.prop(
    "with every copy down since the last sign, a copy started later reads a sign at most ten minutes older, never a newer one",
    [Gaps, ReadAfterS, Device],
    ([gaps, afterS, device]) => {
      const { end, kv, newest, signs } = replayHistory(gaps, afterS, device, false)
      const read = restored(kv, signs, end)
      expect(read).toBeLessThanOrEqual(newest)
      expect(newest - read).toBeLessThan(kvAfterMs)
    }
  )

  it("a fleet is spread over the second half of the set time, each device at a time of its own", () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `demo.alarm-${String(i + 1).padStart(6, "0")}`)
    const shares = keys.map((key) => kvAfterFor(key, kvAfterMs))
    for (const share of shares) {
      expect(share).toBeGreaterThanOrEqual(kvAfterMs / 2)
      expect(share).toBeLessThanOrEqual(kvAfterMs)
    }
    expect(kvAfterFor(keys[0]!, kvAfterMs)).toBe(shares[0])
    // Five bins of a minute each: none empty, none holding more than a third of the fleet.
    const bins = [0, 0, 0, 0, 0]
    for (const share of shares) bins[Math.min(4, Math.floor((share - kvAfterMs / 2) / minute))]!++
    for (const count of bins) {
      expect(count).toBeGreaterThan(1_000)
      expect(count).toBeLessThan(3_334)
    }
  })

  it("the watch sees KV's sighting with the journal's newer sign, and never an older one", () => {
    const stored = { ...registeredSighting(t0, 60), raisedForMs: t0 }
    expect(withNewerSign(stored, undefined)).toBe(stored)
    expect(withNewerSign(stored, { atMs: t0 - 1, intervalS: 30 })).toBe(stored)
    expect(withNewerSign(stored, { atMs: t0 + 5, intervalS: 30 })).toEqual({ lastSeenMs: t0 + 5, intervalS: 30, sinceMs: t0, raisedForMs: t0 })
  })

  it("signs are paged: every sign once, in order, no page larger than asked", () => {
    const signs = Array.from({ length: 12 }, (_, i) => [`demo.alarm-${i}`, { atMs: t0 + i, intervalS: 60 }] as const)
    const pages = [...pagesOf(signs, 5)]
    expect(pages.map((page) => page.signs.length)).toEqual([5, 5, 2])
    expect(pages.flatMap((page) => page.signs)).toEqual(signs.map(([key, sign]) => [key, sign.atMs, sign.intervalS]))
    expect([...pagesOf([], 5)]).toEqual([])
  })

  it("the followed lanes' positions ride on the last page only, after every sign they cover; with no signs, a page of their own", () => {
    const signs = Array.from({ length: 7 }, (_, i) => [`demo.alarm-${i}`, { atMs: t0 + i, intervalS: 60 }] as const)
    const pages = [...pagesOf(signs, 5, { tech: 120, telemetry: 80 })]
    expect(pages.map((page) => page.through)).toEqual([undefined, { tech: 120, telemetry: 80 }])
    expect(pages.flatMap((page) => page.signs)).toHaveLength(7)
    expect([...pagesOf([], 5, { tech: 121 })]).toEqual([{ signs: [], through: { tech: 121 } }])
    expect([...pagesOf([], 5, {})]).toEqual([])
  })

  it("a copy follows a lane on from the journal's position, else from the old durable's, else from before the last page, at least the journal's keep", () => {
    const nowMs = t0
    const known = { journalled: undefined, durableNext: undefined, lastPageMs: undefined, nowMs, keepMs }
    expect(followedLaneStart({ ...known, journalled: 500, durableNext: 300, lastPageMs: nowMs - minute })).toEqual({ seq: 501 })
    expect(followedLaneStart({ ...known, durableNext: 300, lastPageMs: nowMs - minute })).toEqual({ seq: 300 })
    // Every copy down for three hours: everything since a minute before the last page is read again.
    expect(followedLaneStart({ ...known, lastPageMs: nowMs - 180 * minute })).toEqual({ timeMs: nowMs - 181 * minute })
    // Pages without positions (an earlier version) or none at all: the journal's half hour.
    expect(followedLaneStart({ ...known, lastPageMs: nowMs - 2 * minute })).toEqual({ timeMs: nowMs - keepMs })
    expect(followedLaneStart(known)).toEqual({ timeMs: nowMs - keepMs })
  })
})
