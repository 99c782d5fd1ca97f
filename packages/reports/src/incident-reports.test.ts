import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { IncidentRecord } from "@wt/contracts"
import { floodReport, operatorsFromActions } from "./floods.ts"
import { historiesFromRecords } from "./history.ts"
import { indicatorReport } from "./indicators.ts"
import { onSiteReport } from "./on-site.ts"
import { ownerlessReport } from "./ownerless.ts"
import { ownershipSpans } from "./ownership.ts"
import { repeatedReport } from "./repeated.ts"
import { buildReport } from "./report-document.ts"
import { reportCsv } from "./report-format.ts"
import {
  cancel,
  claim,
  close,
  correlate,
  escalate,
  handover,
  kari,
  markRepeated,
  ola,
  plus,
  resolve,
  sara,
  scriptedDay,
  ScriptedDay,
  scriptIncident
} from "./testing.ts"

const t0 = "2026-11-24T10:00:00.000Z"
const all = { fromMs: 0, toMs: Date.parse("2027-01-01T00:00:00Z") }

/** An incident handed to a team, on its way, and (optionally) on site; records as the dispatch flow will write them. */
const calledOut = (incidentId: string, receivedAt: string, onSiteAfterS: number | undefined): ReadonlyArray<IncidentRecord> => {
  const opened = scriptIncident({ incidentId, receivedAt, priority: "P1", then: [claim(plus(receivedAt, 30))] })
  const dispatching = handover(opened.at(-1)!, plus(receivedAt, 120), "dispatching", "home-care-1")
  const enRoute = handover(dispatching, plus(receivedAt, 300), "en_route", "home-care-1")
  return onSiteAfterS === undefined
    ? [...opened, dispatching, enRoute]
    : [...opened, dispatching, enRoute, handover(enRoute, plus(receivedAt, onSiteAfterS), "on_site", "home-care-1")]
}

describe("time to responder on site", () => {
  it("measures receipt → on site and call-out → on site from the status, and lists call-outs still on their way", () => {
    const histories = historiesFromRecords([
      ...calledOut("os-1", t0, 1260), // on site 21 min after receipt, 19 min after the call-out (at 2 min)
      ...calledOut("os-2", plus(t0, 3600), undefined),
      ...scriptIncident({ incidentId: "os-3", receivedAt: t0, priority: "P2", then: [claim(plus(t0, 10)), resolve(plus(t0, 60))] })
    ])
    const { rows, summary } = onSiteReport(histories, all)
    expect(rows.map((r) => [r.incidentId, r.calledOutAt, r.onSiteAt, r.receivedToOnSiteMs, r.callOutToOnSiteMs, r.responder])).toEqual([
      ["os-1", plus(t0, 120), plus(t0, 1260), 1_260_000, 1_140_000, "team:home-care-1"],
      ["os-2", plus(t0, 3720), null, null, null, "team:home-care-1"]
    ])
    expect(summary).toEqual([
      { tenant: "demo", priority: "all", callOuts: 2, onSite: 1, medianMs: 1_260_000, p90Ms: 1_260_000, maxMs: 1_260_000 },
      { tenant: "demo", priority: "P1", callOuts: 2, onSite: 1, medianMs: 1_260_000, p90Ms: 1_260_000, maxMs: 1_260_000 }
    ])
  })
})

describe("ownership spans", () => {
  it("follow the stored owner: the queue, the operator, the team until the end; one owner at every instant", () => {
    const records = calledOut("span-1", t0, 900)
    const last = records.at(-1)!
    const resolved: IncidentRecord = {
      event: { type: "incident_resolved", incidentId: "span-1", tenant: "demo", at: plus(t0, 1500), by: kari },
      state: { ...last.state, status: "resolved", endedAt: plus(t0, 1500), version: last.state.version + 1 }
    }
    const [h] = historiesFromRecords([...records, resolved])
    const spans = ownershipSpans(h!, Date.parse(plus(t0, 9999)))
    expect(spans.map((s) => [`${s.owner.kind}:${s.owner.id}`, s.from, s.to, s.durationMs])).toEqual([
      ["queue:demo", plus(t0, 0.05), plus(t0, 30), 29_950],
      ["operator:u-kari", plus(t0, 30), plus(t0, 120), 90_000],
      ["team:home-care-1", plus(t0, 120), plus(t0, 1500), 1_380_000]
    ])
  })

  it("are contiguous while nothing is missing, and cover the incident from opening to its end", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom("claim", "contact", "note"), { maxLength: 6 }), fc.boolean(), (actions, ends) => {
      let at = 0
      const next = () => plus(t0, (at += 7))
      const then = actions.map((a) =>
        a === "claim"
          ? claim(next())
          : a === "contact"
          ? { type: "record_contact" as const, at: next(), by: kari, party: "resident" }
          : { type: "add_note" as const, at: next(), by: kari, handlingCode: 8, text: "n" }
      ).filter((c, i, all) => c.type !== "record_contact" || all.slice(0, i).some((x) => x.type === "claim"))
      const ending = ends ? [then.some((c) => c.type === "claim") ? resolve(next()) : cancel(next())] : []
      const [h] = historiesFromRecords(scriptIncident({ incidentId: "prop-span", receivedAt: t0, priority: "P2", then: [...then, ...ending] }))
      const nowMs = Date.parse(plus(t0, 1000))
      const spans = ownershipSpans(h!, nowMs)
      spans.forEach((s, i) => i > 0 && expect(s.from).toBe(spans[i - 1]!.to))
      const total = spans.reduce((n, s) => n + s.durationMs, 0)
      const endMs = ends ? Date.parse(h!.steps.at(-1)!.at) : nowMs
      expect(total).toBe(endMs - Date.parse(h!.steps[0]!.at))
    }))
  })
})

describe("ownerless intervals", () => {
  it("reports queue time beyond the priority's limit, with the escalations in it, and ongoing gaps", () => {
    const histories = historiesFromRecords([
      // P1 waits 75 s (limit 30 s), escalated twice → 45 s beyond
      ...scriptIncident({ incidentId: "own-1", receivedAt: t0, priority: "P1", then: [escalate(plus(t0, 30.05), 1, 30_000), escalate(plus(t0, 60.05), 2, 60_000), claim(plus(t0, 75.05))] }),
      // P3 claimed after 10 min: within its 15 min
      ...scriptIncident({ incidentId: "own-2", receivedAt: t0, priority: "P3", then: [claim(plus(t0, 600.05))] }),
      // P4 raised to P2 while waiting, still waiting 5 min later: the P2 limit (2 min) applies
      ...scriptIncident({ incidentId: "own-3", receivedAt: t0, priority: "P4", then: [correlate(plus(t0, 60), "P2")] })
    ])
    const rows = ownerlessReport(histories, { ...all, nowMs: Date.parse(plus(t0, 300.05)) })
    expect(rows.map((r) => [r.incidentId, r.kind, r.priority, r.from, r.to, r.durationMs, r.limitMs, r.beyondLimitMs, r.escalations])).toEqual([
      ["own-1", "unowned", "P1", plus(t0, 0.05), plus(t0, 75.05), 75_000, 30_000, 45_000, 2],
      ["own-3", "unowned", "P2", plus(t0, 0.05), null, 300_000, 120_000, 180_000, 0]
    ])
  })

  it("reports a history with a missing record as a gap", () => {
    const records = scriptIncident({ incidentId: "own-4", receivedAt: t0, priority: "P1", then: [claim(plus(t0, 5)), resolve(plus(t0, 60))] })
    const rows = ownerlessReport(historiesFromRecords(records.filter((r) => r.state.version !== 2)), { ...all, nowMs: Date.parse(t0) })
    expect(rows.map((r) => [r.kind, r.from, r.to])).toEqual([["missing_record", plus(t0, 0.05), plus(t0, 60)]])
  })
})

describe("alarm floods (ISA-18.2)", () => {
  // 11 alarms 10 s apart: the 11th (at 100 s) makes 11 in 10 minutes (> 10) with one operator.
  // They drop out 10 minutes after arrival: after the 7th drops (at 660 s) 4 remain (< 5): the flood ends.
  const burst = () =>
    historiesFromRecords(Array.from({ length: 11 }, (_, i) => scriptIncident({ incidentId: `fl-${String(i).padStart(2, "0")}`, receivedAt: plus(t0, i * 10), priority: "P2" })).flat())

  it("starts above 10 alarms in 10 minutes per operator and ends below 5", () => {
    const rows = floodReport(burst(), { ...all, nowMs: Date.parse(plus(t0, 3600)), operators: () => 1 })
    expect(rows).toEqual([{
      tenant: "demo",
      from: plus(t0, 100),
      to: plus(t0, 660),
      durationMs: 560_000,
      alarms: 1,
      peakAlarmsIn10Min: 11,
      operatorsAtPeak: 1,
      peakRate: 11,
      firstIncidentId: "fl-10",
      timelineUrl: "/#/timeline/fl-10",
      timelineCommand: "pnpm wt timeline fl-10"
    }])
  })

  it("is no flood for two operators (5.5 each), and lasts while ongoing", () => {
    expect(floodReport(burst(), { ...all, nowMs: Date.parse(plus(t0, 3600)), operators: () => 2 })).toEqual([])
    const ongoing = floodReport(burst(), { ...all, nowMs: Date.parse(plus(t0, 200)), operators: () => 1 })
    expect(ongoing.map((r) => [r.from, r.to, r.durationMs])).toEqual([[plus(t0, 100), null, 100_000]])
  })

  it("counts operators on duty from who acted on the tenant's incidents within 30 minutes", () => {
    const histories = historiesFromRecords([
      ...scriptIncident({ incidentId: "duty-1", receivedAt: t0, priority: "P1", then: [claim(plus(t0, 10), kari)] }),
      ...scriptIncident({ incidentId: "duty-2", receivedAt: t0, priority: "P1", then: [claim(plus(t0, 20), ola)] }),
      ...scriptIncident({ incidentId: "duty-3", receivedAt: t0, priority: "P1", then: [cancel(plus(t0, 20), sara)] })
    ])
    const onDuty = operatorsFromActions(histories)
    expect(onDuty("demo", Date.parse(t0))).toBe(2) // supervisors are not counted
    expect(onDuty("demo", Date.parse(plus(t0, 1815)))).toBe(1)
    expect(onDuty("demo", Date.parse(plus(t0, 1900)))).toBe(0)
    expect(onDuty("north", Date.parse(t0))).toBe(0)
  })

  it("flood periods never overlap and each peaks above 10 per operator", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 7200 }), { maxLength: 80 }), fc.integer({ min: 1, max: 3 }), (offsets, operators) => {
      const histories = historiesFromRecords(offsets.flatMap((s, i) => scriptIncident({ incidentId: `r-${i}`, receivedAt: plus(t0, s), priority: "P3" })))
      const rows = floodReport(histories, { ...all, nowMs: Date.parse(plus(t0, 9000)), operators: () => operators })
      rows.forEach((r, i) => {
        expect(r.peakRate).toBeGreaterThan(10)
        expect(r.to).not.toBeNull()
        if (i > 0) expect(Date.parse(r.from)).toBeGreaterThanOrEqual(Date.parse(rows[i - 1]!.to!))
      })
    }))
  })
})

describe("repeated alarms", () => {
  it("shows whether a second person confirmed the closing", () => {
    const histories = historiesFromRecords([
      ...scriptIncident({ incidentId: "rep-1", receivedAt: t0, priority: "P1", then: [markRepeated(plus(t0, 1)), claim(plus(t0, 10)), resolve(plus(t0, 100)), close(plus(t0, 200), sara)] }),
      ...scriptIncident({ incidentId: "rep-2", receivedAt: t0, priority: "P3", then: [markRepeated(plus(t0, 1)), claim(plus(t0, 10)), resolve(plus(t0, 100))] }),
      ...scriptIncident({ incidentId: "rep-3", receivedAt: t0, priority: "P1", then: [claim(plus(t0, 10))] })
    ])
    expect(repeatedReport(histories, all).map((r) => [r.incidentId, r.alarmsInWindow, r.windowHours, r.priority, r.resolvedBy, r.closedBy, r.secondPerson])).toEqual([
      ["rep-1", 3, 6, "P1", "operator:u-kari (Kari)", "supervisor:u-sara (Sara)", "confirmed"],
      ["rep-2", 3, 6, "P2", "operator:u-kari (Kari)", null, "pending"]
    ])
  })
})

describe("e-health indicators", () => {
  it("of the scripted day: users by device type, alarms per user, technical share, resolved without call-out", () => {
    const histories = historiesFromRecords([
      ...scriptedDay(),
      ...calledOut("day-callout", "2026-11-24T09:00:00.000Z", 900)
    ])
    const users = [
      { tenant: "demo", users: 10, safetyAlarm: 10, sensor: 4, gps: 2, medication: 1 },
      { tenant: "north", users: 4, safetyAlarm: 4, sensor: 0, gps: 0, medication: 0 }
    ]
    const rows = indicatorReport(histories, users, { fromMs: Date.parse(ScriptedDay.from), toMs: Date.parse(ScriptedDay.to) })
    // demo: the 14 scripted calls + the call-out = 15 alarms for 10 users in one day → 1.5 per user (per day).
    // technical: I, W, J = 3 → 3/15 = 0.2; care 12/15 = 0.8.
    // ended (resolved, cancelled, closed; W merged does not count): A B C H I J = 6, none called out;
    //   the call-out is not ended → without call-out 6/6 = 1.
    // north: N1, N2 claimed, not ended → 2 alarms for 4 users = 0.5; ended 0 → share null.
    expect(rows).toEqual([
      {
        tenant: "demo", users: 10, usersSafetyAlarm: 10, usersSensor: 4, usersGps: 2, usersMedication: 1,
        alarms: 15, alarmsPerUser: 1.5, alarmsPerUserPerDay: 1.5, technical: 3, care: 12, technicalShare: 0.2, careShare: 0.8,
        ended: 6, endedWithoutCallOut: 6, withoutCallOutShare: 1
      },
      {
        tenant: "north", users: 4, usersSafetyAlarm: 4, usersSensor: 0, usersGps: 0, usersMedication: 0,
        alarms: 2, alarmsPerUser: 0.5, alarmsPerUserPerDay: 0.5, technical: 0, care: 2, technicalShare: 0, careShare: 1,
        ended: 0, endedWithoutCallOut: 0, withoutCallOutShare: null
      }
    ])
  })

  it("an ended call-out is not resolved without a call-out", () => {
    const ended = calledOut("co-1", t0, 600)
    const last = ended.at(-1)!
    const resolved: IncidentRecord = {
      event: { type: "incident_resolved", incidentId: "co-1", tenant: "demo", at: plus(t0, 2000), by: kari },
      state: { ...last.state, status: "resolved", endedAt: plus(t0, 2000), version: last.state.version + 1 }
    }
    const histories = historiesFromRecords([...ended, resolved, ...scriptIncident({ incidentId: "co-2", receivedAt: t0, priority: "P1", then: [claim(plus(t0, 5)), resolve(plus(t0, 50))] })])
    const [row] = indicatorReport(histories, [], all)
    expect([row!.ended, row!.endedWithoutCallOut, row!.withoutCallOutShare]).toEqual([2, 1, 0.5])
  })
})

describe("report documents", () => {
  it("every report's first table has its columns on every row, and incident rows carry timeline links", () => {
    const histories = historiesFromRecords([...scriptedDay(), ...calledOut("doc-1", t0, 900)])
    for (const kind of ["sla", "on-site", "repeated", "floods", "ownerless", "indicators"] as const) {
      const doc = buildReport(kind, { histories, users: [], fromMs: Date.parse(ScriptedDay.from), toMs: Date.parse(ScriptedDay.to), nowMs: Date.parse(ScriptedDay.to), timeZone: "Europe/Oslo", operators: 1 })
      for (const t of doc.tables) {
        for (const r of t.rows) expect(Object.keys(r).sort()).toEqual([...t.columns].sort())
        if (t.columns.includes("incidentId")) expect(t.columns).toContain("timelineUrl")
      }
    }
  })

  it("CSV quotes commas and quotes and defuses spreadsheet formulas", () => {
    const doc = {
      kind: "repeated" as const, title: "t", from: "", to: "", generatedAt: "", timeZone: "UTC",
      tables: [{ name: "x", title: "x", columns: ["a", "b", "c", "d"], rows: [{ a: "x,y", b: "say \"hi\"", c: "=SUM(A1)", d: null }, { a: 1.5, b: true, c: "-3", d: "plain" }] }]
    }
    expect(reportCsv(doc)).toBe("a,b,c,d\r\n\"x,y\",\"say \"\"hi\"\"\",'=SUM(A1),\r\n1.5,true,'-3,plain\r\n")
  })
})
