import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Result } from "effect"
import type { Actor, ConfirmedAddress, IncidentCommand, IncidentEvent, IncidentState, ResponderRef } from "@wt/contracts"
import { DeciderSpecification } from "@wt/contracts/decider-testing"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { decide, distanceM, evolve, initialState, replay } from "./index.ts"

const t0 = Date.parse("2026-11-25T03:00:00.000Z")
const iso = (ms: number) => new Date(ms).toISOString()
const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari" }
const home: ConfirmedAddress = { kind: "home", street: "Fjordveien 1", postcode: "7010", city: "Fjordvik", lat: 63.43, lon: 10.39 }
const timeouts = { offerS: 60, startS: 120, arrivalGraceS: 300, visitS: 1800 }
const teams = ["team-a", "team-b", "team-c"] as const
const responderOf = (teamId: string): ResponderRef => ({ id: `${teamId}-r1`, name: `${teamId} responder`, teamId })

const open = (fireService = false): IncidentCommand => ({
  type: "open_incident",
  at: iso(t0),
  incidentId: "inc-1",
  tenant: "demo",
  residentId: "res-0001",
  decision: { ...exampleDecision("P1"), fireService, category: fireService ? "fire" : "care" },
  deviceEvent: examplePendantAlarm("evt-00000001", { occurredAt: iso(t0) })
})

interface Run {
  readonly state: IncidentState | undefined
  readonly events: ReadonlyArray<IncidentEvent>
  readonly perCommand: ReadonlyArray<number>
}
const run = (commands: ReadonlyArray<IncidentCommand>): Run => {
  let state: IncidentState | undefined = initialState()
  const events: Array<IncidentEvent> = []
  const perCommand: Array<number> = []
  for (const command of commands) {
    const result = decide(command, state, "inc-1")
    const produced = Result.isSuccess(result) ? result.success : []
    perCommand.push(produced.length)
    for (const e of produced) {
      state = evolve(state, e)
      events.push(e)
    }
  }
  return { state, events, perCommand }
}

const claimed = (fire = false): ReadonlyArray<IncidentCommand> => [
  open(fire),
  { type: "claim", at: iso(t0 + 1000), by: kari },
  { type: "request_handover", at: iso(t0 + 2000), by: kari, reason: "fall, cannot get up", address: home }
]
const offer = (offerNo: number, teamId: string, atMs: number): IncidentCommand => ({
  type: "offer_handover",
  at: iso(atMs),
  offerNo,
  team: { id: teamId, name: teamId },
  criticalNotes: ["anticoagulants"],
  access: { kind: "e_lock", lockId: "lock-1" },
  timeouts
})

// Given the events a run of commands stored, when the next command comes, then these events (or nothing, or a refusal).
const given = DeciderSpecification.for({ decide, evolve, initialState })
const history = (commands: ReadonlyArray<IncidentCommand>) => run(commands).events
const ids = { incidentId: "inc-1", tenant: "demo" }
/** What `offer` offers, to the call-out `claimed` requested. */
const offered = (offerNo: number, teamId: string, atMs: number): IncidentEvent => ({
  type: "handover_offered",
  ...ids,
  at: iso(atMs),
  offerNo,
  team: { id: teamId, name: teamId },
  address: home,
  criticalNotes: ["anticoagulants"],
  access: { kind: "e_lock", lockId: "lock-1" },
  reason: "fall, cannot get up",
  timeouts,
  deadline: iso(atMs + timeouts.offerS * 1000)
})

describe("handover protocol", () => {
  it("a fall is offered, accepted, driven to, reached at the confirmed address and completed; ownership moves with each step", () => {
    const r = responderOf("team-a")
    const { events, state } = run([
      ...claimed(),
      offer(1, "team-a", t0 + 3000),
      { type: "accept_handover", at: iso(t0 + 5000), offerNo: 1, responder: r, eta: iso(t0 + 600_000) },
      { type: "report_en_route", at: iso(t0 + 6000), responder: r },
      { type: "report_on_site", at: iso(t0 + 500_000), responder: r, position: { lat: 63.4301, lon: 10.3901 }, radiusM: 75 },
      { type: "complete_handover", at: iso(t0 + 900_000), responder: r, outcome: "helped up, no injury" }
    ])
    expect(events.map((e) => e.type)).toEqual([
      "incident_opened",
      "incident_claimed",
      "handover_requested",
      "handover_offered",
      "handover_accepted",
      "responder_en_route",
      "responder_on_site",
      "handover_completed"
    ])
    const onSite = events.find((e) => e.type === "responder_on_site")
    expect(onSite?.type === "responder_on_site" && onSite.atConfirmedAddress).toBe(true)
    expect(state?.handover?.stage).toBe("completed")
    expect(state?.owner).toEqual({ kind: "operator", id: "u-kari", name: "Kari" })
    const offered = events.find((e) => e.type === "handover_offered")
    expect(offered?.type === "handover_offered" && [offered.address, offered.criticalNotes, offered.access.kind]).toEqual([home, ["anticoagulants"], "e_lock"])
  })

  it("an unanswered offer times out once, at its deadline, and the next offer goes to another team", () => {
    const { events, state, perCommand } = run([
      ...claimed(),
      offer(1, "team-a", t0 + 3000),
      { type: "time_out_handover", at: iso(t0 + 62_000), step: "offer", offerNo: 1 }, // before the deadline
      { type: "time_out_handover", at: iso(t0 + 63_000), step: "offer", offerNo: 1 },
      { type: "time_out_handover", at: iso(t0 + 64_000), step: "offer", offerNo: 1 }, // a second copy, or after a restart
      offer(2, "team-b", t0 + 65_000),
      offer(2, "team-c", t0 + 65_001) // the other copy loses: offer 2 exists
    ])
    expect(perCommand.slice(3)).toEqual([1, 0, 1, 0, 1, 0])
    expect(events.filter((e) => e.type === "handover_timed_out")).toHaveLength(1)
    expect(state?.handover?.team?.id).toBe("team-b")
    expect(state?.handover?.tried).toEqual(["team-a"])
  })

  it("an arrival far from the confirmed address is flagged", () => {
    const r = responderOf("team-a")
    const old = { lat: 63.45, lon: 10.45 } // the resident's old address, several km away
    const accepted = history([
      ...claimed(),
      offer(1, "team-a", t0 + 3000),
      { type: "accept_handover", at: iso(t0 + 5000), offerNo: 1, responder: r, eta: iso(t0 + 600_000) }
    ])
    const distance = Math.round(distanceM(old, home))
    expect(distance).toBeGreaterThan(3000)
    const state = given(accepted).when({ type: "report_on_site", at: iso(t0 + 500_000), responder: r, position: old, radiusM: 75 }).then([{
      type: "responder_on_site",
      ...ids,
      at: iso(t0 + 500_000),
      responder: r,
      position: old,
      distanceM: distance,
      radiusM: 75,
      atConfirmedAddress: false,
      deadline: iso(t0 + 500_000 + timeouts.visitS * 1000)
    }])
    expect(state?.handover?.onSite?.atConfirmedAddress).toBe(false)
  })

  it("a fire incident cannot be offered to home care before the fire service is alerted", () => {
    const notify = (atMs: number): IncidentCommand =>
      ({ type: "notify_agency", at: iso(atMs), agency: "110", channel: "wt.agency.demo.110", address: home, mobility: "wheelchair", reason: "smoke" })
    const alerted: IncidentEvent =
      { type: "agency_notified", ...ids, at: iso(t0 + 2500), agency: "110", channel: "wt.agency.demo.110", address: home, mobility: "wheelchair", reason: "smoke" }
    const requested = history(claimed(true))
    given(requested).when(offer(1, "team-a", t0 + 3000)).thenFails("HandoverConflict")
    given(requested).when(notify(t0 + 2500)).then([alerted])
    given([...requested, alerted]).when(notify(t0 + 2600)).thenNothingHappened()
    given([...requested, alerted]).when(offer(1, "team-a", t0 + 3000)).then([offered(1, "team-a", t0 + 3000)])
  })

  it("a cascade calls contacts in order until one accepts; unanswered calls time out once each", () => {
    const contacts = [1, 2, 3].map((position) => ({ position, name: `C${position}`, relation: "child", keyholder: position === 3 }))
    const { events, state } = run([
      ...claimed(),
      { type: "start_contact_cascade", at: iso(t0 + 3000), by: kari, contacts, timeoutS: 30 },
      { type: "call_next_contact", at: iso(t0 + 3100), position: 1 },
      { type: "time_out_contact", at: iso(t0 + 33_100), position: 1 },
      { type: "time_out_contact", at: iso(t0 + 33_200), position: 1 },
      { type: "call_next_contact", at: iso(t0 + 33_300), position: 2 },
      { type: "time_out_contact", at: iso(t0 + 63_300), position: 2 },
      { type: "call_next_contact", at: iso(t0 + 63_400), position: 3 },
      { type: "answer_contact", at: iso(t0 + 70_000), position: 3, accepted: true, by: { kind: "responder", id: "contact-3" } }
    ])
    expect(events.map((e) => e.type).slice(3)).toEqual([
      "contact_cascade_started",
      "contact_called",
      "contact_call_timed_out",
      "contact_called",
      "contact_call_timed_out",
      "contact_called",
      "contact_answered"
    ])
    expect(state?.cascade).toMatchObject({ stage: "accepted", acceptedBy: 3 })
  })

  it("cancelling the call-out stops calling the next of kin, and no timer or late command calls one again", () => {
    const contacts = [1, 2].map((position) => ({ position, name: `C${position}`, relation: "child", keyholder: false }))
    const { events, state } = run([
      ...claimed(),
      { type: "start_contact_cascade", at: iso(t0 + 3000), by: kari, contacts, timeoutS: 30 },
      { type: "call_next_contact", at: iso(t0 + 3100), position: 1 },
      { type: "cancel_handover", at: iso(t0 + 10_000), by: kari, reason: "resident answered: fine" },
      { type: "time_out_contact", at: iso(t0 + 33_100), position: 1 },
      { type: "call_next_contact", at: iso(t0 + 33_200), position: 2 },
      { type: "answer_contact", at: iso(t0 + 40_000), position: 1, accepted: true, by: { kind: "responder", id: "contact-1" } }
    ])
    expect(events.map((e) => e.type).slice(3)).toEqual(["contact_cascade_started", "contact_called", "handover_cancelled", "contact_cascade_ended"])
    expect(events.at(-1)).toMatchObject({ type: "contact_cascade_ended", outcome: "cancelled" })
    expect(state?.cascade?.stage).toBe("cancelled")
  })

  it("a call-out cancelled with no one being called ends no cascade, and one returned for want of a team keeps calling", () => {
    const contacts = [{ position: 1, name: "C1", relation: "child", keyholder: false }]
    given(history(claimed())).when({ type: "cancel_handover", at: iso(t0 + 3000), by: kari, reason: "fine" })
      .then([{ type: "handover_cancelled", ...ids, at: iso(t0 + 3000), by: kari, reason: "fine" }])
    // No team on duty: the next of kin may be the only help the resident gets.
    const calling = history([...claimed(), { type: "start_contact_cascade", at: iso(t0 + 3000), by: kari, contacts, timeoutS: 30 }])
    const returned: IncidentEvent = { type: "handover_returned", ...ids, at: iso(t0 + 3100), reason: "no team on duty" }
    given(calling).when({ type: "return_handover", at: iso(t0 + 3100), reason: "no team on duty" }).then([returned])
    given([...calling, returned]).when({ type: "call_next_contact", at: iso(t0 + 3200), position: 1 })
      .then([{ type: "contact_called", ...ids, at: iso(t0 + 3200), position: 1, deadline: iso(t0 + 3200 + 30_000) }])
  })
})

// Random interleavings of everything dispatch, responders, timers and operators may send,
// including duplicates and late commands, as several copies and restarts would produce.
const commandArb = (): fc.Arbitrary<(nowMs: number) => IncidentCommand> =>
  fc.oneof(
    fc.record({ offerNo: fc.integer({ min: 1, max: 4 }), team: fc.constantFrom(...teams) }).map(({ offerNo, team }) => (now: number) => offer(offerNo, team, now)),
    fc.record({ offerNo: fc.integer({ min: 1, max: 4 }), team: fc.constantFrom(...teams) }).map(({ offerNo, team }) => (now: number): IncidentCommand => ({ type: "accept_handover", at: iso(now), offerNo, responder: responderOf(team), eta: iso(now + 300_000) })),
    fc.record({ offerNo: fc.integer({ min: 1, max: 4 }), team: fc.constantFrom(...teams) }).map(({ offerNo, team }) => (now: number): IncidentCommand => ({ type: "reject_handover", at: iso(now), offerNo, responder: responderOf(team), reason: "busy" })),
    fc.record({ offerNo: fc.integer({ min: 1, max: 4 }), step: fc.constantFrom("offer", "start", "arrival", "visit") as fc.Arbitrary<"offer" | "start" | "arrival" | "visit"> }).map(({ offerNo, step }) => (now: number): IncidentCommand => ({ type: "time_out_handover", at: iso(now), step, offerNo })),
    fc.constantFrom(...teams).map((team) => (now: number): IncidentCommand => ({ type: "report_en_route", at: iso(now), responder: responderOf(team) })),
    fc.record({ team: fc.constantFrom(...teams), dLat: fc.double({ min: -0.05, max: 0.05, noNaN: true }) }).map(({ team, dLat }) => (now: number): IncidentCommand => ({ type: "report_on_site", at: iso(now), responder: responderOf(team), position: { lat: home.lat + dLat, lon: home.lon }, radiusM: 100 })),
    fc.constantFrom(...teams).map((team) => (now: number): IncidentCommand => ({ type: "complete_handover", at: iso(now), responder: responderOf(team), outcome: "done" })),
    fc.constant((now: number): IncidentCommand => ({ type: "return_handover", at: iso(now), reason: "no team left" })),
    fc.constant((now: number): IncidentCommand => ({ type: "cancel_handover", at: iso(now), by: kari, reason: "resident fine" })),
    fc.constant((now: number): IncidentCommand => ({ type: "request_handover", at: iso(now), by: kari, reason: "again", address: home })),
    fc.constant((now: number): IncidentCommand => ({ type: "notify_agency", at: iso(now), agency: "110", channel: "c", mobility: "m", reason: "r" })),
    fc.constant((now: number): IncidentCommand => ({ type: "start_contact_cascade", at: iso(now), by: kari, contacts: nextOfKin, timeoutS: 30 })),
    fc.constantFrom(1, 2).map((position) => (now: number): IncidentCommand => ({ type: "call_next_contact", at: iso(now), position })),
    fc.constantFrom(1, 2).map((position) => (now: number): IncidentCommand => ({ type: "time_out_contact", at: iso(now), position })),
    fc.record({ position: fc.constantFrom(1, 2), accepted: fc.boolean() }).map(({ position, accepted }) => (now: number): IncidentCommand => ({ type: "answer_contact", at: iso(now), position, accepted, by: { kind: "responder", id: `contact-${position}` } })),
    fc.constant((now: number): IncidentCommand => ({ type: "end_contact_cascade", at: iso(now), outcome: "exhausted" }))
  )
const nextOfKin = [1, 2].map((position) => ({ position, name: `C${position}`, relation: "child", keyholder: false }))

const scenario = fc.record({
  fire: fc.boolean(),
  steps: fc.array(fc.record({ cmd: commandArb(), gapMs: fc.integer({ min: 0, max: 400_000 }) }), { maxLength: 40 })
}).map(({ fire, steps }) => {
  let now = t0 + 3000
  return [...claimed(fire), ...steps.map(({ cmd, gapMs }) => cmd((now += gapMs)))]
})

describe("handover protocol properties", () => {
  it("each command yields at most one event (a cancellation also ends the next-of-kin calls), and replaying the events reproduces the state", () => {
    fc.assert(fc.property(scenario, (commands) => {
      const { events, perCommand, state } = run(commands)
      let at = 0
      perCommand.forEach((n) => {
        const produced = events.slice(at, (at += n)).map((e) => e.type)
        expect(n <= 1 || (produced[0] === "handover_cancelled" && produced[1] === "contact_cascade_ended" && n === 2)).toBe(true)
      })
      expect(replay(events)).toEqual(state)
    }))
  })

  it("after a cancelled call-out no next of kin is called until a cascade is started again", () => {
    fc.assert(fc.property(scenario, (commands) => {
      const { events } = run(commands)
      let calling = false
      events.forEach((e, i) => {
        if (e.type === "contact_cascade_started") calling = true
        if (e.type === "contact_cascade_ended" || (e.type === "contact_answered" && e.accepted)) calling = false
        if (e.type === "handover_cancelled" && calling) expect(events[i + 1]).toMatchObject({ type: "contact_cascade_ended", outcome: "cancelled" })
        if (e.type === "contact_called") expect(calling).toBe(true)
      })
    }))
  })

  it("no offer is ever made twice, offers count up by one, and a timeout fires at most once per step and offer", () => {
    fc.assert(fc.property(scenario, (commands) => {
      const { events } = run(commands)
      let no = 0
      let expected = 1
      const seen = new Set<string>()
      for (const e of events) {
        if (e.type === "handover_requested") {
          no++
          expected = 1
        }
        if (e.type === "handover_offered") {
          expect(e.offerNo).toBe(expected++)
          expect(seen.has(`${no}:${e.offerNo}`)).toBe(false)
          seen.add(`${no}:${e.offerNo}`)
        }
        if (e.type === "handover_timed_out") {
          expect(seen.has(`${no}:${e.offerNo}:${e.step}`)).toBe(false)
          seen.add(`${no}:${e.offerNo}:${e.step}`)
          expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(e.deadline))
        }
      }
    }))
  })

  it("the team owns the incident exactly while it holds the call-out; otherwise the operator does", () => {
    fc.assert(fc.property(scenario, (commands) => {
      let state: IncidentState | undefined
      for (const e of run(commands).events) {
        state = evolve(state, e)
        const h = state.handover
        const teamHolds = h !== undefined && ["accepted", "en_route", "on_site"].includes(h.stage)
        expect(state.owner.kind).toBe(teamHolds ? "team" : state.claimedBy ? "operator" : "queue")
        if (teamHolds) expect(state.owner.id).toBe(h.responder?.teamId)
      }
    }))
  })

  it("a fire incident's first offer always comes after the fire service was alerted", () => {
    fc.assert(fc.property(scenario, (commands) => {
      const { events, state } = run(commands)
      if (state?.fireService !== true) return
      const alerted = events.findIndex((e) => e.type === "agency_notified" && e.agency === "110")
      const offered = events.findIndex((e) => e.type === "handover_offered")
      if (offered >= 0) expect(alerted).toBeGreaterThanOrEqual(0)
      if (offered >= 0) expect(alerted).toBeLessThan(offered)
    }))
  })

  it("haversine distance is symmetric, zero at a point and within 1 % of the flat-earth figure for short hops", () => {
    const point = fc.record({ lat: fc.double({ min: 58, max: 71, noNaN: true }), lon: fc.double({ min: 4, max: 31, noNaN: true }) })
    fc.assert(fc.property(point, point, (a, b) => {
      expect(Math.abs(distanceM(a, b) - distanceM(b, a))).toBeLessThan(1e-6)
      expect(distanceM(a, a)).toBe(0)
    }))
    fc.assert(fc.property(point, fc.double({ min: -0.001, max: 0.001, noNaN: true }), (a, d) => {
      const b = { lat: a.lat + d, lon: a.lon }
      const flat = Math.abs(d) * (Math.PI / 180) * 6_371_008.8
      expect(Math.abs(distanceM(a, b) - flat)).toBeLessThanOrEqual(flat * 0.01 + 1e-6)
    }))
  })
})
