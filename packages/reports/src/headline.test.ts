import { describe, expect, it } from "@effect/vitest"
import { historiesFromRecords } from "./history.ts"
import { indicatorReport } from "./indicators.ts"
import { correlate, plus, scriptIncident } from "./testing.ts"

const t0 = "2026-11-24T10:00:00.000Z"
const all = { fromMs: 0, toMs: Date.parse("2027-01-01T00:00:00Z") }

describe("reports name an incident by its headline (issue 21)", () => {
  it("a technical incident that a P1 pendant alarm joined counts as a care alarm, not a technical one", () => {
    const joined = scriptIncident({ incidentId: "h-1", receivedAt: t0, priority: "P4", category: "technical", then: [correlate(plus(t0, 240), "P1")] })
    const faultOnly = scriptIncident({ incidentId: "h-2", receivedAt: t0, priority: "P4", category: "technical", residentId: "res-0002" })
    const [history] = historiesFromRecords(joined)
    // Each step carries the device event it recorded and the incident's category (its headline's) after it.
    expect(history!.steps.map((s) => [s.priority, s.category, s.alarmType])).toEqual([
      ["P4", "technical", "technical:power_lost"],
      ["P1", "care", "safety_alarm:pendant"]
    ])
    const [row] = indicatorReport(historiesFromRecords([...joined, ...faultOnly]), [], all)
    expect([row!.alarms, row!.technical, row!.care]).toEqual([2, 1, 1])
  })
})
