import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { ActiveStatuses, DeviceEvent, deviceEventKey, PriorityScale, type Actor, type IncidentCommand, type IncidentEvent, type IncidentState, type TriageDecision } from "@wt/contracts"
import { DeciderSpecification } from "@wt/contracts/decider-testing"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { decide, evolve, incidentIdFor, initialState, replay } from "./index.ts"

const at = "2026-11-25T03:00:00.000Z"
const pendant = (id: string) => examplePendantAlarm(id, { occurredAt: at })
const decision = exampleDecision
const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari" }
const ola: Actor = { kind: "operator", id: "u-ola", name: "Ola" }

const run = (commands: ReadonlyArray<IncidentCommand>) => {
  let state: IncidentState | undefined = initialState()
  const events: Array<IncidentEvent> = []
  for (const command of commands) {
    const result = decide(command, state, "inc-1")
    if (Result.isSuccess(result)) {
      for (const e of result.success) {
        state = evolve(state, e)
        events.push(e)
      }
    }
  }
  return { state, events }
}

const open: IncidentCommand = {
  type: "open_incident",
  at,
  incidentId: "inc-1",
  tenant: "demo",
  residentId: "res-0001",
  decision: decision("P3"),
  deviceEvent: pendant("evt-00000001")
}

// Given the incident's events so far, when a command comes, then these events (or nothing, or a refusal).
const given = DeciderSpecification.for({ decide, evolve, initialState })
const ids = { incidentId: "inc-1", tenant: "demo", at }
const openedBy = (d: TriageDecision, deviceEvent: DeviceEvent): IncidentEvent =>
  ({ type: "incident_opened", ...ids, residentId: "res-0001", priority: d.priority, category: d.category, decision: d, deviceEvent })
/** What `open` opens. */
const opened = openedBy(decision("P3"), pendant("evt-00000001"))
const correlate = (d: TriageDecision, deviceEvent: DeviceEvent): IncidentCommand => ({ type: "correlate_device_event", at, decision: d, deviceEvent })
const correlated = (d: TriageDecision, deviceEvent: DeviceEvent): IncidentEvent => ({ type: "device_event_correlated", ...ids, decision: d, deviceEvent })
const claim = (by: Actor): IncidentCommand => ({ type: "claim", at, by })
const claimedBy = (by: Actor): IncidentEvent => ({ type: "incident_claimed", ...ids, by })
const resolve = (by: Actor, cause?: string): IncidentCommand => ({ type: "resolve", at, by, ...(cause !== undefined ? { cause } : {}) })
const resolvedBy = (by: Actor, cause?: string): IncidentEvent => ({ type: "incident_resolved", ...ids, by, ...(cause !== undefined ? { cause } : {}) })
const supervisor: Actor = { kind: "supervisor", id: "u-sup" }

describe("incident decider", () => {
  it("opens an incident owned by the queue", () => {
    const state = given([]).when(open).then([opened])
    expect(state?.status).toBe("open")
    expect(state?.owner.kind).toBe("queue")
    expect(state?.priority).toBe("P3")
  })

  it("a redelivered opening event produces nothing new", () => {
    given([opened]).when(open).thenNothingHappened()
  })

  it("a P1 joining a P3 incident raises it to P1", () => {
    const state = given([opened]).when(correlate(decision("P1"), pendant("evt-00000002"))).then([correlated(decision("P1"), pendant("evt-00000002"))])
    expect(state?.priority).toBe("P1")
  })

  it("a P4 joining a P1 incident leaves it P1", () => {
    const state = given([openedBy(decision("P1"), pendant("evt-00000001"))])
      .when(correlate(decision("P4"), pendant("evt-00000002")))
      .then([correlated(decision("P4"), pendant("evt-00000002"))])
    expect(state?.priority).toBe("P1")
  })

  it.prop("every command yields at most one event", [Schema.Array(Step)], ([steps]) => {
    let state = run([open]).state
    for (const step of steps.map(toCommand)) {
      const r = decide(step, state)
      if (Result.isSuccess(r)) {
        expect(r.success.length).toBeLessThanOrEqual(1)
        for (const e of r.success) state = evolve(state, e)
      }
    }
  })

  it("the same device event correlated twice is recorded once", () => {
    const second = correlate(decision("P3"), pendant("evt-00000002"))
    const joined = correlated(decision("P3"), pendant("evt-00000002"))
    given([opened]).when(second).then([joined])
    given([opened, joined]).when(second).thenNothingHappened()
  })

  it("the second claimant is told who owns the incident", () => {
    const refused = given([opened, claimedBy(kari)]).when(claim(ola)).thenFails("AlreadyClaimed")
    expect(refused.claimedBy.name).toBe("Kari")
  })

  it("a claim repeated by its owner is a no-op", () => {
    given([opened, claimedBy(kari)]).when(claim(kari)).thenNothingHappened()
  })

  it("resolving needs a claim, and only the owner or a supervisor resolves", () => {
    given([opened]).when(resolve(kari)).thenFails("NotOwner")
    given([opened, claimedBy(kari)]).when(resolve(ola)).thenFails("NotOwner")
    given([opened, claimedBy(kari)]).when(resolve(supervisor)).then([resolvedBy(supervisor)])
  })

  it("an ended incident accepts no claim and no new device event", () => {
    const state = given([opened, claimedBy(kari)]).when(resolve(kari, "false alarm")).then([resolvedBy(kari, "false alarm")])
    expect(state?.status).toBe("resolved")
    const ended = [opened, claimedBy(kari), resolvedBy(kari, "false alarm")]
    given(ended).when(correlate(decision("P1"), pendant("evt-00000009"))).thenFails("IncidentEnded")
    given(ended).when(claim(ola)).thenFails("IncidentEnded")
  })
})

// Property tests: random command sequences after an opening.
const Step = Schema.Struct({
  kind: Schema.Literals(["correlate", "claim", "note", "resolve", "cancel", "contact", "repeated", "escalate", "close", "merge"]),
  actor: Schema.Literals(["kari", "ola", "supervisor"]),
  priority: Schema.Literals(["P1", "P2", "P3", "P4"]),
  n: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))
})
const actors: Record<string, Actor> = { kari, ola, supervisor: { kind: "supervisor", id: "u-sup", name: "Sara" } }
const toCommand = (s: typeof Step.Type): IncidentCommand => {
  const by = actors[s.actor]!
  switch (s.kind) {
    case "correlate":
      return { type: "correlate_device_event", at, decision: decision(s.priority), deviceEvent: pendant(`evt-${String(s.n).padStart(8, "0")}`) }
    case "claim":
      return { type: "claim", at, by }
    case "note":
      return { type: "add_note", at, by, handlingCode: 8, text: "spoke with resident" }
    case "resolve":
      return { type: "resolve", at, by, cause: "resident reassured" }
    case "cancel":
      return { type: "cancel", at, by, reason: "false alarm" }
    case "contact":
      return { type: "record_contact", at, by, party: "resident" }
    case "repeated":
      return { type: "mark_repeated", at, alarmsInWindow: 3, windowHours: 6, atLeast: "P2", ruleId: "care.repeated", ruleSetVersion: "t" }
    case "escalate":
      return { type: "escalate", at, level: 1 + (s.n % 3), reason: "unclaimed", unclaimedForMs: 30_000 }
    case "close":
      return { type: "close", at, by }
    case "merge":
      return { type: "merge", at, by, into: "inc-other" }
  }
}

describe("repeated alarms, escalation and restores", () => {
  const markRepeated: IncidentCommand = { type: "mark_repeated", at, alarmsInWindow: 4, windowHours: 6, atLeast: "P2", ruleId: "care.repeated", ruleSetVersion: "t" }
  const markedRepeated: IncidentEvent = { type: "incident_marked_repeated", ...ids, alarmsInWindow: 4, windowHours: 6, atLeast: "P2", ruleId: "care.repeated", ruleSetVersion: "t" }
  const close = (by: Actor): IncidentCommand => ({ type: "close", at, by })

  it("a repeated incident is at least P2 and its resolver cannot close it alone", () => {
    given([opened]).when(markRepeated).then([markedRepeated])
    const state = given([opened, markedRepeated, claimedBy(kari)]).when(resolve(kari, "resident fine")).then([resolvedBy(kari, "resident fine")])
    expect(state?.repeated).toBe(true)
    expect(state?.priority).toBe("P2")
    const resolved = [opened, markedRepeated, claimedBy(kari), resolvedBy(kari, "resident fine")]
    given(resolved).when(close(kari)).thenFails("NotOwner")
    given(resolved).when(close(ola)).then([{ type: "incident_closed", ...ids, by: ola, confirms: kari }])
  })

  it("an ordinary incident can be closed by its resolver", () => {
    given([opened, claimedBy(kari), resolvedBy(kari, "resident fine")]).when(close(kari)).then([{ type: "incident_closed", ...ids, by: kari }])
  })

  it("escalation happens once per level and never after a claim", () => {
    const escalate = (level: number): IncidentCommand => ({ type: "escalate", at, level, reason: "P1 unclaimed for 30 s", unclaimedForMs: 30_000 })
    const escalated = (level: number): IncidentEvent => ({ type: "incident_escalated", ...ids, level, reason: "P1 unclaimed for 30 s", unclaimedForMs: 30_000 })
    given([opened]).when(escalate(1)).then([escalated(1)])
    given([opened, escalated(1)]).when(escalate(1)).thenNothingHappened()
    const state = given([opened, escalated(1)]).when(escalate(2)).then([escalated(2)])
    expect(state?.escalationLevel).toBe(2)
    given([opened, claimedBy(kari)]).when(escalate(1)).thenNothingHappened()
  })

  it("a technical incident whose faults are all restored can be resolved by the engine", () => {
    const fault = (id: string, event: "power_lost" | "power_restored"): DeviceEvent => ({ ...pendant(id), type: "technical", payload: { event } }) as DeviceEvent
    const technical = (p: DeviceEvent) => ({ ...decision("P4"), category: "technical" as const, ruleId: p.id })
    const system: Actor = { kind: "system", id: "triage" }
    const lost = fault("f-00000001", "power_lost")
    const restored = fault("f-00000002", "power_restored")
    const openedByFault = openedBy(technical(lost), lost)
    const opening = given([]).when({ ...open, decision: technical(lost), deviceEvent: lost }).then([openedByFault])
    expect(opening?.openFaults).toEqual(["alarm-000001:power_lost"])
    given([openedByFault]).when(resolve(system)).thenFails("NotOwner")
    const afterRestore = given([openedByFault]).when(correlate(technical(restored), restored)).then([correlated(technical(restored), restored)])
    expect(afterRestore?.openFaults).toEqual([])
    given([openedByFault, correlated(technical(restored), restored)]).when(resolve(system, "power restored")).then([resolvedBy(system, "power restored")])
  })
})

describe("incident decider properties", () => {
  it.prop("exactly one owner, of the kind the status implies", [Schema.Array(Step), Schema.Literals(["P1", "P2", "P3", "P4"])], ([steps, p]) => {
    let state: IncidentState | undefined = run([{ ...open, decision: decision(p) }]).state
    for (const step of steps.map(toCommand)) {
      const r = decide(step, state)
      if (Result.isSuccess(r)) for (const e of r.success) state = evolve(state, e)
      expect(state).toBeDefined()
      if (state!.status === "open") expect(state!.owner.kind).toBe("queue")
      if (state!.status === "claimed" || state!.status === "in_contact") expect(state!.owner).toMatchObject({ kind: "operator", id: state!.claimedBy!.id })
      expect(["queue", "operator", "team", "agency"]).toContain(state!.owner.kind)
    }
  })

  it.prop("replaying the events reproduces the state exactly", [Schema.Array(Step)], ([steps]) => {
    const { state, events } = run([open, ...steps.map(toCommand)])
    expect(replay(events)).toEqual(state)
    expect(state!.version).toBe(events.length)
  })

  it.prop("priority never drops while the incident is open", [Schema.Array(Step)], ([steps]) => {
    let state = run([open]).state!
    for (const step of steps.map(toCommand)) {
      const before = state
      const r = decide(step, state)
      if (Result.isSuccess(r)) for (const e of r.success) state = evolve(state, e)
      if (ActiveStatuses.includes(before.status)) {
        expect(PriorityScale[state.priority].rank).toBeLessThanOrEqual(PriorityScale[before.priority].rank)
      }
    }
  })

  it.prop("any valid device event can open an incident", [DeviceEvent], ([event]) => {
    const r = decide({ ...open, deviceEvent: event }, undefined)
    expect(Result.isSuccess(r)).toBe(true)
    const state = replay(Result.getOrThrow(r))
    expect(state?.recentDeviceEventKeys).toEqual([deviceEventKey(event)])
  })
})

/** A subject token unlike `token`, still 1-64 characters. */
const unlike = (token: string) => token.slice(0, 63) + (token.endsWith("x") ? "y" : "x")

describe("an event's identity is its tenant, its device and its own id", () => {
  it.prop(
    "two events with the same sender id but another tenant or device never share an incident",
    [DeviceEvent, DeviceEvent, Schema.Literals(["tenant", "device", "both"])],
    ([first, other, differ]) => {
      const second: DeviceEvent = {
        ...other,
        id: first.id,
        tenant: differ === "device" ? first.tenant : unlike(first.tenant),
        deviceId: differ === "tenant" ? first.deviceId : unlike(first.deviceId)
      }
      // The server's incident ids: never the same for the two.
      expect(incidentIdFor(second)).not.toBe(incidentIdFor(first))
      const openFor = (event: DeviceEvent, incidentId: string): IncidentCommand =>
        ({ ...open, tenant: event.tenant, incidentId, deviceEvent: event })
      const opened = replay(Result.getOrThrow(decide(openFor(first, incidentIdFor(first)), undefined)))
      // Even routed at the first's incident, the second is no redelivery of the first: it is
      // refused as an incident that exists, never swallowed as one already opened.
      const intoFirst = decide(openFor(second, incidentIdFor(first)), opened)
      expect(Result.isFailure(intoFirst) && intoFirst.failure._tag).toBe("IncidentAlreadyExists")
      // Joining an open incident, it is a new device event of that incident, not a repeat.
      const joined = decide({ type: "correlate_device_event", at, decision: decision("P1"), deviceEvent: second }, opened)
      expect(Result.getOrThrow(joined).map((e) => e.type)).toEqual(["device_event_correlated"])
    }
  )

  it.prop(
    "the same device's id stored again later (a counter that wrapped) opens an incident of its own; a redelivery finds its own",
    [DeviceEvent],
    ([event]) => {
      const stored = { ...event, receivedAt: "2026-11-25T03:00:00.000Z" }
      const storedLater = { ...event, receivedAt: "2026-12-02T17:45:10.250Z" }
      expect(incidentIdFor(storedLater)).not.toBe(incidentIdFor(stored))
      expect(incidentIdFor({ ...stored })).toBe(incidentIdFor(stored))
      expect(incidentIdFor(stored)).toMatch(/^inc-[0-9a-f]{32}$/)
    }
  )
})
