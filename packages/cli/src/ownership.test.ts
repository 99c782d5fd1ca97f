import { describe, expect, it } from "@effect/vitest"
import type { Actor } from "@wt/contracts"
import type { TimelineRow } from "@wt/read-models"
import { formatDuration, ownershipIntervals } from "./ownership.ts"

const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari" }
const ola: Actor = { kind: "operator", id: "u-ola", name: "Ola" }
const triage: Actor = { kind: "service", id: "triage" }
let version = 0
const row = (kind: string, at: string, actor: Actor = triage, detail: unknown = {}): TimelineRow =>
  ({ version: ++version, entry: 0, streamSeq: version, kind, at: `2026-11-25T21:${at}Z`, actor, summary: kind, detail })

describe("ownership intervals", () => {
  it("the queue owns an incident until it is claimed, then the operator until it ends", () => {
    expect(ownershipIntervals([
      row("device_event", "00:00.000", { kind: "system", id: "alarm-1" }),
      row("triage_decision", "00:00.100"),
      row("incident_opened", "00:00.100"),
      row("incident_claimed", "00:42.100", kari),
      row("note_added", "03:00.000", kari),
      row("incident_resolved", "10:00.100", kari)
    ], "demo")).toEqual([
      { owner: { kind: "queue", id: "demo" }, from: "2026-11-25T21:00:00.100Z", to: "2026-11-25T21:00:42.100Z", durationMs: 42_000, because: "incident_opened" },
      { owner: { kind: "operator", id: "u-kari", name: "Kari" }, from: "2026-11-25T21:00:42.100Z", to: "2026-11-25T21:10:00.100Z", durationMs: 558_000, because: "incident_claimed" }
    ])
  })

  it("an incident not yet ended stays owned, with no end", () => {
    const intervals = ownershipIntervals([row("incident_opened", "00:00.000")], "demo")
    expect(intervals).toEqual([{ owner: { kind: "queue", id: "demo" }, from: "2026-11-25T21:00:00.000Z", because: "incident_opened" }])
  })

  it("the resolver keeps it until a second person closes it; the closing hand-over takes no time", () => {
    const intervals = ownershipIntervals([
      row("incident_opened", "00:00.000"),
      row("incident_claimed", "01:00.000", kari),
      row("incident_resolved", "05:00.000", kari),
      row("incident_closed", "07:00.000", ola)
    ], "demo")
    expect(intervals.map((i) => [i.owner.id, i.to])).toEqual([
      ["demo", "2026-11-25T21:01:00.000Z"],
      ["u-kari", "2026-11-25T21:07:00.000Z"]
    ])
  })

  it("an event that names an owner hands the incident over (e.g. a responder team)", () => {
    const intervals = ownershipIntervals([
      row("incident_opened", "00:00.000"),
      row("incident_claimed", "01:00.000", kari),
      row("responder_assigned", "02:00.000", kari, { owner: { kind: "team", id: "home-care-north" } }),
      row("incident_resolved", "30:00.000", { kind: "responder", id: "r-1" })
    ], "demo")
    expect(intervals.map((i) => `${i.owner.kind}:${i.owner.id} ${formatDuration(i.durationMs!)}`)).toEqual([
      "queue:demo 1 min 0 s",
      "operator:u-kari 1 min 0 s",
      "team:home-care-north 28 min 0 s"
    ])
  })

  it("a claim repeated by its owner is not a new interval", () => {
    const intervals = ownershipIntervals([
      row("incident_opened", "00:00.000"),
      row("incident_claimed", "01:00.000", kari),
      row("incident_claimed", "02:00.000", kari),
      row("incident_cancelled", "03:00.000", kari)
    ], "demo")
    expect(intervals).toHaveLength(2)
  })
})
