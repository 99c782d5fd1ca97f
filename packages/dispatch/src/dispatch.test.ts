import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Result } from "effect"
import type { IncidentCommand, IncidentState } from "@wt/contracts"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { decide, evolve } from "@wt/incident"
import {
  acceptOutcome,
  grantFor,
  grantHolds,
  handoverSettings,
  hashResponderToken,
  minuteOfDay,
  needsDispatch,
  newResponderToken,
  nextAction,
  offerCandidates,
  onShift,
  ResponderTokenBytes,
  type Team
} from "./index.ts"

const teamArb: fc.Arbitrary<Team> = fc.record({
  id: fc.stringMatching(/^t-[a-e]$/),
  name: fc.constant("team"),
  zone: fc.constantFrom("sentrum", "nord", "sor"),
  shifts: fc.array(fc.record({ fromMinute: fc.integer({ min: 0, max: 1439 }), toMinute: fc.integer({ min: 0, max: 1440 }) }), { maxLength: 3 })
})
const teamsArb = fc.uniqueArray(teamArb, { selector: (t) => t.id, maxLength: 5 })

describe("team selection", () => {
  it("offers only teams on duty and not yet tried, the address's zone first, each team once", () => {
    fc.assert(fc.property(
      teamsArb,
      fc.constantFrom("sentrum", "nord", "sor", undefined),
      fc.integer({ min: 0, max: 1439 }),
      fc.array(fc.stringMatching(/^t-[a-e]$/), { maxLength: 3 }),
      (teams, zone, minute, tried) => {
        const order = offerCandidates(teams, { zone, minuteOfDay: minute, tried })
        const eligible = teams.filter((t) => onShift(t, minute) && !tried.includes(t.id))
        expect(order.map((t) => t.id).sort()).toEqual(eligible.map((t) => t.id).sort())
        const zones = order.map((t) => teams.find((x) => x.id === t.id)!.zone === zone)
        // Once a team from another zone appears, no local team follows.
        expect(zones.indexOf(false) === -1 || !zones.slice(zones.indexOf(false)).includes(true)).toBe(true)
      }
    ))
  })

  it("a night shift that wraps past midnight covers 23:30 and 06:59 but not 07:00", () => {
    const night: Team = { id: "t-n", name: "Natt", zone: "sentrum", shifts: [{ fromMinute: 23 * 60, toMinute: 7 * 60 }] }
    expect([onShift(night, 23 * 60 + 30), onShift(night, 6 * 60 + 59), onShift(night, 7 * 60)]).toEqual([true, true, false])
  })

  it("reads the minute of the day in Oslo time", () => {
    expect(minuteOfDay(Date.parse("2026-11-25T03:00:00Z"))).toBe(4 * 60) // CET, UTC+1
  })

  it("takes a plan's positive timeouts and ignores nonsense", () => {
    expect(handoverSettings({ offerS: 30, visitS: -5 }).timeouts).toEqual({ offerS: 30, startS: 180, arrivalGraceS: 600, visitS: 3600 })
  })
})

const t0 = Date.parse("2026-11-25T03:00:00.000Z")
const iso = (ms: number) => new Date(ms).toISOString()
const apply = (commands: ReadonlyArray<IncidentCommand>): IncidentState => {
  let state: IncidentState | undefined
  for (const c of commands) {
    const r = decide(c, state, "inc-1")
    if (Result.isSuccess(r)) for (const e of r.success) state = evolve(state, e)
  }
  return state!
}
const opened = (fire: boolean): ReadonlyArray<IncidentCommand> => [
  {
    type: "open_incident",
    at: iso(t0),
    incidentId: "inc-1",
    tenant: "demo",
    residentId: "res-1",
    decision: { ...exampleDecision("P1"), fireService: fire },
    deviceEvent: examplePendantAlarm("evt-00000001")
  },
  { type: "claim", at: iso(t0), by: { kind: "operator", id: "kari" } },
  { type: "request_handover", at: iso(t0), by: { kind: "operator", id: "kari" }, reason: "fall", address: { kind: "home", street: "s", postcode: "9990", city: "c", lat: 69.1, lon: 17.4 } }
]
const timeouts = { offerS: 60, startS: 60, arrivalGraceS: 300, visitS: 600 }
const offered: IncidentCommand = { type: "offer_handover", at: iso(t0 + 1000), offerNo: 1, team: { id: "t-a", name: "A" }, criticalNotes: [], access: { kind: "e_lock", lockId: "lock-1" }, timeouts }
const responder = { id: "m-1", name: "Mari", teamId: "t-a" }

describe("what dispatch owes an incident", () => {
  it("a fire first gets the fire service, then the first offer", () => {
    expect(nextAction(apply(opened(true)), t0)).toEqual({ kind: "alert_fire" })
    expect(nextAction(apply(opened(false)), t0)).toEqual({ kind: "offer", offerNo: 1, tried: [] })
  })

  it("an offer is timed out only once its deadline has passed", () => {
    const state = apply([...opened(false), offered])
    expect(nextAction(state, t0 + 60_999)).toBeUndefined()
    expect(nextAction(state, t0 + 61_000)).toMatchObject({ kind: "command", command: { type: "time_out_handover", step: "offer", offerNo: 1 } })
    expect(needsDispatch(state)).toBe(true)
  })

  it("an accepted e-lock call-out grants the responder the lock for the call-out only; completion ends it", () => {
    const accepted = apply([...opened(false), offered, { type: "accept_handover", at: iso(t0 + 2000), offerNo: 1, responder, eta: iso(t0 + 600_000) }])
    const grant = grantFor(accepted, t0 + 2000)
    expect(grant).toMatchObject({ id: "inc-1.1.1", lockId: "lock-1", responderId: "m-1", validFromMs: t0 + 2000, validToMs: t0 + 600_000 + 900_000 })
    expect(grantHolds(grant!, accepted, t0 + 3000)).toBe(true)
    expect(grantHolds(grant!, accepted, grant!.validToMs)).toBe(false)
    const done = apply([
      ...opened(false),
      offered,
      { type: "accept_handover", at: iso(t0 + 2000), offerNo: 1, responder, eta: iso(t0 + 600_000) },
      { type: "report_on_site", at: iso(t0 + 3000), responder, position: { lat: 69.1, lon: 17.4 }, radiusM: 50 },
      { type: "complete_handover", at: iso(t0 + 4000), responder, outcome: "ok" }
    ])
    expect(grantHolds(grant!, done, t0 + 5000)).toBe(false)
    expect(grantFor(done, t0 + 5000)).toBeUndefined()
  })
})

describe("responder device tokens", () => {
  it("are random, at least 128 bits, never repeat, and only their sha256 is kept", () => {
    const tokens = Array.from({ length: 2000 }, newResponderToken)
    expect(new Set(tokens).size).toBe(tokens.length)
    expect(ResponderTokenBytes * 8).toBeGreaterThanOrEqual(128)
    for (const t of tokens.slice(0, 50)) {
      expect(Buffer.from(t.replace(/^rsp_/, ""), "base64url").length).toBe(ResponderTokenBytes)
      expect(hashResponderToken(t)).toMatch(/^[0-9a-f]{64}$/)
    }
  })
})

describe("which accept gets the key-safe code", () => {
  const keySafeOffer: IncidentCommand = { ...offered, access: { kind: "key_safe" } } as IncidentCommand
  const accept: IncidentCommand = { type: "accept_handover", at: iso(t0 + 2000), offerNo: 1, responder, eta: iso(t0 + 600_000) }
  const onSite: IncidentCommand = { type: "report_on_site", at: iso(t0 + 3000), responder, position: { lat: 69.1, lon: 17.4 }, radiusM: 50 }
  const kari = { kind: "operator" as const, id: "kari" }

  it("the responder holding the live call-out, for the offer they accepted; a key safe says so", () => {
    expect(acceptOutcome(apply([...opened(false), keySafeOffer, accept]), "m-1", 1)).toEqual({ kind: "held", keySafe: true })
    expect(acceptOutcome(apply([...opened(false), keySafeOffer, accept, onSite]), "m-1", 1)).toEqual({ kind: "held", keySafe: true })
    expect(acceptOutcome(apply([...opened(false), offered, accept]), "m-1", 1)).toEqual({ kind: "held", keySafe: false })
  })

  it("nobody once the call-out is completed, cancelled or handed back, nor another responder, nor before an accept", () => {
    const done = apply([...opened(false), keySafeOffer, accept, onSite, { type: "complete_handover", at: iso(t0 + 4000), responder, outcome: "ok" }])
    expect(acceptOutcome(done, "m-1", 1)).toMatchObject({ kind: "not_held", reason: expect.stringContaining("completed") })
    const cancelled = apply([...opened(false), keySafeOffer, accept, { type: "cancel_handover", at: iso(t0 + 3000), by: kari, reason: "fine" }])
    expect(acceptOutcome(cancelled, "m-1", 1)).toMatchObject({ kind: "not_held", reason: expect.stringContaining("cancelled") })
    const overdue = apply([...opened(false), keySafeOffer, accept, { type: "time_out_handover", at: iso(t0 + 3_600_000), step: "start", offerNo: 1 }])
    expect(overdue.handover?.stage).toBe("returned")
    expect(acceptOutcome(overdue, "m-1", 1).kind).toBe("not_held")
    expect(acceptOutcome(apply([...opened(false), keySafeOffer, accept]), "m-2", 1).kind).toBe("not_held")
    expect(acceptOutcome(apply([...opened(false), keySafeOffer]), "m-1", 1).kind).toBe("not_held")
    expect(acceptOutcome(apply([...opened(false), keySafeOffer, accept]), "m-1", 2).kind).toBe("not_held")
  })
})
