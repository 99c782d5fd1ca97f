import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { AnswerTargets, answerOutcome, slaReport, type SlaRow } from "./answer-time.ts"
import { historiesFromRecords } from "./history.ts"
import { percentile } from "./statistics.ts"
import { claim, plus, scriptedDay, ScriptedDay, scriptIncident } from "./testing.ts"

const day = { fromMs: Date.parse(ScriptedDay.from), toMs: Date.parse(ScriptedDay.to), nowMs: Date.parse(ScriptedDay.to), timeZone: ScriptedDay.timeZone }

type Figures = [
  received: number, answered: number, waiting: number, withdrawn: number,
  within60s: number, counted60s: number, share60s: number | null,
  within180s: number, counted180s: number, share180s: number | null,
  medianMs: number | null, p90Ms: number | null, maxMs: number | null, meetsTargets: boolean | null
]
const row = (tenant: string, by: SlaRow["by"], group: string, f: Figures): SlaRow => ({
  tenant, by, group,
  received: f[0], answered: f[1], waiting: f[2], withdrawn: f[3],
  within60s: f[4], counted60s: f[5], share60s: f[6],
  within180s: f[7], counted180s: f[8], share180s: f[9],
  medianMs: f[10], p90Ms: f[11], maxMs: f[12], meetsTargets: f[13]
})

describe("SLA report of the scripted day (figures worked out by hand)", () => {
  it("equals the hand-computed answer times per tenant, priority and local hour", () => {
    const report = slaReport(historiesFromRecords(scriptedDay()), day)
    // demo, received in the day (X the evening before and Y at midnight are outside it): 14 calls.
    //   answered by a person, seconds from receipt: A 12, B 45, C 61, D 60, E 150, F 200, M 40, G 30,
    //   H 20 (cancelled unclaimed), J 90, K 5 → 11; waiting: L (23:30 → midnight = 1,800 s) → 1;
    //   withdrawn: I (restored, engine) and W (merged) → 2.
    //   ≤ 60 s: A B D(=60) G H K M → 7 of 11 answered + L (waited > 60) = 12 → 7/12 = 0.5833
    //   ≤ 180 s: those 7 + C E J → 10 of 12 → 0.8333
    //   sorted: 5 12 20 30 40 45 60 61 90 150 200; median = ⌈0.5·11⌉ = 6th = 45 s; p90 = ⌈9.9⌉ = 10th = 150 s
    // P1 (M was raised to P1 before it was claimed): A 12, B 45, C 61, M 40, K 5 → ≤60: 4/5 = 0.8, ≤180: 5/5;
    //   sorted 5 12 40 45 61: median 3rd = 40 s, p90 ⌈4.5⌉ = 5th = 61 s
    // P2: D 60, E 150, F 200, L waiting → ≤60: 1/4 = 0.25, ≤180: 2/4 = 0.5; median of 60 150 200 = 2nd = 150 s
    // P3: G 30, H 20 → 2/2 both; median 1st of 20 30 = 20 s, p90 2nd = 30 s; both targets met
    // P4: J 90; I, W withdrawn → ≤60: 0/1, ≤180: 1/1
    // Hours are Oslo time (UTC+1): A 00, B C 02, D E F 07, M 09, G H 12, I W J 15, K 22, L 23.
    // north: N1 100 s (P1), N2 20 s (P2), both at 08 → ≤60: 1/2, ≤180: 2/2; median 1st of 20 100 = 20 s, p90 2nd = 100 s
    expect(report.rows).toEqual([
      row("demo", "all", "all", [14, 11, 1, 2, 7, 12, 0.5833, 10, 12, 0.8333, 45_000, 150_000, 200_000, false]),
      row("demo", "priority", "P1", [5, 5, 0, 0, 4, 5, 0.8, 5, 5, 1, 40_000, 61_000, 61_000, false]),
      row("demo", "priority", "P2", [4, 3, 1, 0, 1, 4, 0.25, 2, 4, 0.5, 150_000, 200_000, 200_000, false]),
      row("demo", "priority", "P3", [2, 2, 0, 0, 2, 2, 1, 2, 2, 1, 20_000, 30_000, 30_000, true]),
      row("demo", "priority", "P4", [3, 1, 0, 2, 0, 1, 0, 1, 1, 1, 90_000, 90_000, 90_000, false]),
      row("demo", "hour", "00", [1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 12_000, 12_000, 12_000, true]),
      row("demo", "hour", "02", [2, 2, 0, 0, 1, 2, 0.5, 2, 2, 1, 45_000, 61_000, 61_000, false]),
      row("demo", "hour", "07", [3, 3, 0, 0, 1, 3, 0.3333, 2, 3, 0.6667, 150_000, 200_000, 200_000, false]),
      row("demo", "hour", "09", [1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 40_000, 40_000, 40_000, true]),
      row("demo", "hour", "12", [2, 2, 0, 0, 2, 2, 1, 2, 2, 1, 20_000, 30_000, 30_000, true]),
      row("demo", "hour", "15", [3, 1, 0, 2, 0, 1, 0, 1, 1, 1, 90_000, 90_000, 90_000, false]),
      row("demo", "hour", "22", [1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 5_000, 5_000, 5_000, true]),
      row("demo", "hour", "23", [1, 0, 1, 0, 0, 1, 0, 0, 1, 0, null, null, null, false]),
      row("north", "all", "all", [2, 2, 0, 0, 1, 2, 0.5, 2, 2, 1, 20_000, 100_000, 100_000, false]),
      row("north", "priority", "P1", [1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 100_000, 100_000, 100_000, false]),
      row("north", "priority", "P2", [1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 20_000, 20_000, 20_000, true]),
      row("north", "hour", "08", [2, 2, 0, 0, 1, 2, 0.5, 2, 2, 1, 20_000, 100_000, 100_000, false])
    ])
  })

  it("lists the calls answered after 60 s or still waiting, each with its timeline links", () => {
    const { late } = slaReport(historiesFromRecords(scriptedDay()), day)
    expect(late.map((l) => [l.incidentId, l.answerMs, l.waitingMs])).toEqual([
      ["day-C", 61_000, null],
      ["day-E", 150_000, null],
      ["day-F", 200_000, null],
      ["day-N1", 100_000, null],
      ["day-J", 90_000, null],
      ["day-L", null, 1_800_000]
    ])
    expect(late[0]).toMatchObject({ timelineUrl: "/#/timeline/day-C", timelineCommand: "pnpm wt timeline day-C" })
  })

  it("a call waiting less than a threshold is not yet judged against it", () => {
    const received = "2026-11-24T12:00:00.000Z"
    const [h] = historiesFromRecords(scriptIncident({ incidentId: "w-1", receivedAt: received, priority: "P1" }))
    const at = (s: number) => slaReport([h!], { fromMs: 0, toMs: Date.parse(plus(received, 1)), nowMs: Date.parse(plus(received, s)), timeZone: "UTC" }).rows[0]!
    expect([at(30).counted60s, at(30).counted180s]).toEqual([0, 0])
    expect([at(61).counted60s, at(61).counted180s]).toEqual([1, 0])
    expect([at(181).counted60s, at(181).counted180s, at(181).share180s]).toEqual([1, 1, 0])
  })
})

/** Random calls: receipt within a day, answered after 0–400 s, or left waiting, or withdrawn. */
const calls = fc.array(
  fc.record({
    receivedS: fc.integer({ min: 0, max: 86_399 }),
    answerS: fc.integer({ min: 0, max: 400 }),
    outcome: fc.constantFrom("claim", "wait", "merge"),
    priority: fc.constantFrom("P1", "P2", "P3", "P4")
  }),
  { maxLength: 40 }
)

const historiesOf = (cs: ReadonlyArray<{ receivedS: number; answerS: number; outcome: string; priority: "P1" | "P2" | "P3" | "P4" }>) =>
  historiesFromRecords(cs.flatMap((c, i) => {
    const receivedAt = new Date(Date.parse(ScriptedDay.from) + c.receivedS * 1000).toISOString()
    const then = c.outcome === "claim"
      ? [claim(plus(receivedAt, c.answerS))]
      : c.outcome === "merge"
      ? [{ type: "merge" as const, at: plus(receivedAt, c.answerS), by: { kind: "system" as const, id: "triage" }, into: "other" }]
      : []
    return scriptIncident({ incidentId: `p-${i}`, receivedAt, priority: c.priority, then })
  }))

describe("SLA report properties", () => {
  it("shares lie in [0, 1], every call is counted once, and a longer threshold never lowers the share", () => {
    fc.assert(fc.property(calls, fc.integer({ min: 0, max: 90_000 }), (cs, nowAfterS) => {
      const report = slaReport(historiesOf(cs), { ...day, nowMs: day.toMs + nowAfterS * 1000 })
      for (const r of report.rows) {
        expect(r.received).toBe(r.answered + r.waiting + r.withdrawn)
        for (const s of [r.share60s, r.share180s]) if (s !== null) expect(s >= 0 && s <= 1).toBe(true)
        expect(r.within60s).toBeLessThanOrEqual(r.within180s)
        expect(r.counted60s).toBeGreaterThanOrEqual(r.counted180s)
        if (r.share60s !== null && r.share180s !== null) expect(r.share180s).toBeGreaterThanOrEqual(r.share60s)
      }
      const all = report.rows.filter((r) => r.by === "all")
      const byPriority = report.rows.filter((r) => r.by === "priority")
      const byHour = report.rows.filter((r) => r.by === "hour")
      const total = (rs: ReadonlyArray<SlaRow>) => rs.reduce((n, r) => n + r.received, 0)
      expect(total(byPriority)).toBe(total(all))
      expect(total(byHour)).toBe(total(all))
      expect(total(all)).toBe(cs.length)
    }))
  })

  it("the share answered within a threshold is monotonic in the threshold", () => {
    fc.assert(fc.property(calls, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), (cs, a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a]
      const nowMs = day.toMs + 3_600_000
      const answers = historiesOf(cs).map((h) => answerOutcome(h, nowMs)!).flatMap((o) => (o.kind === "answered" ? [o.answerMs] : []))
      const within = (s: number) => answers.filter((ms) => ms <= s * 1000).length
      expect(within(low)).toBeLessThanOrEqual(within(high))
    }))
  })

  it("percentiles lie between the smallest and largest value and rise with p", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, p) => {
      const v = percentile(values, p)!
      expect(v).toBeGreaterThanOrEqual(Math.min(...values))
      expect(v).toBeLessThanOrEqual(Math.max(...values))
      expect(percentile(values, Math.min(1, p + 0.1))!).toBeGreaterThanOrEqual(v)
    }))
  })

  it("the targets are the standards' figures", () => {
    expect(AnswerTargets).toEqual([{ withinMs: 60_000, share: 0.985 }, { withinMs: 180_000, share: 0.99 }])
  })
})
