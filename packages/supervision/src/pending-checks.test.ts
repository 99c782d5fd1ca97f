import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  type CheckRef,
  checkKey,
  clear,
  clearDoseTakenAt,
  deadlineMs,
  due,
  isDue,
  markRaised,
  openedAtMs,
  type PendingCheck,
  start
} from "./pending-checks.ts"

const bed: CheckRef = { kind: "left_bed", tenant: "demo", deviceId: "sens-000002", subject: "sens-000002" }
const t0 = Date.parse("2026-11-25T22:30:00Z")
const min = 60_000
const within = 30 * min
const left = (c: PendingCheck | undefined, atMs: number) => start(c, { ...bed, atMs, withinMs: within })
const back = (c: PendingCheck | undefined, atMs: number) => clear(c, bed, atMs)

type Step = { readonly op: "start" | "clear"; readonly atMs: number }
const apply = (steps: ReadonlyArray<Step>) =>
  steps.reduce<PendingCheck | undefined>((c, s) => (s.op === "start" ? left(c, s.atMs) : back(c, s.atMs)), undefined)

describe("pending checks", () => {
  it("keys are <tenant>.<kind>.<subject>", () => {
    expect(checkKey(bed)).toBe("demo.left_bed.sens-000002")
  })

  it.each([
    ["left bed, never back: due after 30 min", [{ op: "start", atMs: t0 }], t0 + within + 1, true],
    ["left bed, not yet 30 min", [{ op: "start", atMs: t0 }], t0 + within, false],
    ["left bed, back after 10 min", [{ op: "start", atMs: t0 }, { op: "clear", atMs: t0 + 10 * min }], t0 + 2 * within, false],
    ["back in bed reported before the leaving (arrived out of order)", [{ op: "clear", atMs: t0 + 10 * min }, { op: "start", atMs: t0 }], t0 + 2 * within, false],
    ["left, back, left again: the second exit counts from its own start", [
      { op: "start", atMs: t0 },
      { op: "clear", atMs: t0 + 5 * min },
      { op: "start", atMs: t0 + 20 * min }
    ], t0 + 20 * min + within + 1, true],
    ["the second exit is not due 30 min after the first", [
      { op: "start", atMs: t0 },
      { op: "clear", atMs: t0 + 5 * min },
      { op: "start", atMs: t0 + 20 * min }
    ], t0 + within + 1, false],
    ["a repeated left-bed does not push the deadline later", [{ op: "start", atMs: t0 }, { op: "start", atMs: t0 + 20 * min }], t0 + within + 1, true]
  ] as const)("%s", (_, steps, now, expected) => {
    const check = apply(steps)
    expect(check !== undefined && isDue(check, now)).toBe(expected)
  })

  it("the outcome does not depend on the order events arrive in (two copies, redeliveries)", () => {
    const step = fc.record({ op: fc.constantFrom("start" as const, "clear" as const), atMs: fc.integer({ min: 0, max: 6 }).map((k) => t0 + k * 10 * min) })
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 7 }).chain((steps) => fc.tuple(fc.constant(steps), fc.shuffledSubarray(steps, { minLength: steps.length }))), ([steps, shuffled]) => {
        const a = apply(steps)!
        const b = apply(shuffled)!
        const starts = steps.filter((s) => s.op === "start").map((s) => s.atMs)
        const clears = steps.filter((s) => s.op === "clear").map((s) => s.atMs)
        const lastClear = clears.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...clears)
        const open = starts.filter((t) => t > lastClear)
        const expected = open.length === 0 ? undefined : Math.min(...open)
        return openedAtMs(a) === expected && openedAtMs(b) === expected && deadlineMs(a) === deadlineMs(b)
      })
    )
  })

  it("a redelivered event changes nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ op: fc.constantFrom("start" as const, "clear" as const), atMs: fc.integer({ min: t0, max: t0 + 3 * within }) }), { minLength: 1, maxLength: 10 }), (steps) => {
        const once = apply(steps)
        const twice = apply(steps.flatMap((s) => [s, s]))
        return JSON.stringify(once) === JSON.stringify(twice)
      })
    )
  })

  it("a raised absence is not due again, and a later exit is", () => {
    const raised = markRaised(left(undefined, t0))
    expect(isDue(raised, t0 + 10 * within)).toBe(false)
    // A late event moving the start earlier is still the same absence.
    expect(isDue(left(raised, t0 - 5 * min), t0 + 10 * within)).toBe(false)
    const again = left(back(raised, t0 + 40 * min), t0 + 50 * min)
    expect(isDue(again, t0 + 50 * min + within + 1)).toBe(true)
  })

  it("due lists the overdue checks, earliest deadline first", () => {
    const a = left(undefined, t0 + 5 * min)
    const b = start(undefined, { kind: "night_door", tenant: "demo", deviceId: "sens-000003", subject: "sens-000003", atMs: t0, withinMs: 10 * min })
    const c = left(undefined, t0 + 60 * min)
    expect(due([a, b, c], t0 + 40 * min).map((x) => x.kind)).toEqual(["night_door", "left_bed"])
  })

  it("a dose taken without an id settles doses due up to the early margin after it", () => {
    const dose = (atMs: number) =>
      start(undefined, { kind: "dose", tenant: "demo", deviceId: "med-000001", subject: `med-000001.at-${atMs}`, atMs, withinMs: 60 * min })
    const early = 30 * min
    expect(openedAtMs(clearDoseTakenAt(dose(t0), t0 + 5 * min, early))).toBeUndefined()
    expect(openedAtMs(clearDoseTakenAt(dose(t0 + 20 * min), t0, early))).toBeUndefined()
    expect(openedAtMs(clearDoseTakenAt(dose(t0 + 4 * 60 * min), t0, early))).toBe(t0 + 4 * 60 * min)
  })
})
