import { describe, expect, it } from "@effect/vitest"
import type { Incident } from "../src/api.ts"
import { newerOf } from "../src/live-queue.ts"

const reading = (version: number, claimedBy?: string) => ({ incidentId: "inc-1", version, ...(claimedBy === undefined ? {} : { claimedBy }) }) as unknown as Incident

describe("two readings of one incident, arriving in any order", () => {
  it("a read sent before the claim, answered after the stream's claim, does not unclaim the incident", () => {
    const claimed = reading(2, "operator")
    expect(newerOf(claimed, reading(1))).toBe(claimed)
  })

  it("a later reading replaces an earlier one, and the first one is taken as it is", () => {
    const claimed = reading(2, "operator")
    expect(newerOf(reading(1), claimed)).toBe(claimed)
    expect(newerOf(undefined, claimed)).toBe(claimed)
  })
})
