import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { ActiveStatuses, DeviceEvent, deviceEventKey, PriorityScale, type Actor, type IncidentCommand, type IncidentEvent, type IncidentState } from "@wt/contracts"
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

describe("incident decider", () => {
  it("opens an incident owned by the queue", () => {
    const { state } = run([open])
    expect(state?.status).toBe("open")
    expect(state?.owner.kind).toBe("queue")
    expect(state?.priority).toBe("P3")
  })

  it("a redelivered opening event produces nothing new", () => {
    const { events } = run([open, open])
    expect(events).toHaveLength(1)
  })

  it("a P1 joining a P3 incident raises it to P1", () => {
    const { events, state } = run([open, { type: "correlate_device_event", at, decision: decision("P1"), deviceEvent: pendant("evt-00000002") }])
    expect(events.map((e) => e.type)).toEqual(["incident_opened", "device_event_correlated"])
    expect(state?.priority).toBe("P1")
  })

  it("a P4 joining a P1 incident leaves it P1", () => {
    const { state } = run([{ ...open, decision: decision("P1") }, { type: "correlate_device_event", at, decision: decision("P4"), deviceEvent: pendant("evt-00000002") }])
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
    const correlate: IncidentCommand = { type: "correlate_device_event", at, decision: decision("P3"), deviceEvent: pendant("evt-00000002") }
    const { events } = run([open, correlate, correlate])
    expect(events).toHaveLength(2)
  })

  it("the second claimant is told who owns the incident", () => {
    const claimed = run([open, { type: "claim", at, by: kari }]).state
    const second = decide({ type: "claim", at, by: ola }, claimed)
    expect(Result.isFailure(second)).toBe(true)
    if (Result.isFailure(second)) {
      expect(second.failure._tag).toBe("AlreadyClaimed")
      expect(second.failure._tag === "AlreadyClaimed" && second.failure.claimedBy.name).toBe("Kari")
    }
  })

  it("a claim repeated by its owner is a no-op", () => {
    const claimed = run([open, { type: "claim", at, by: kari }]).state
    expect(decide({ type: "claim", at, by: kari }, claimed)).toEqual(Result.succeed([]))
  })

  it("resolving needs a claim, and only the owner or a supervisor resolves", () => {
    const opened = run([open]).state
    expect(Result.isFailure(decide({ type: "resolve", at, by: kari }, opened))).toBe(true)
    const claimed = run([open, { type: "claim", at, by: kari }]).state
    expect(Result.isFailure(decide({ type: "resolve", at, by: ola }, claimed))).toBe(true)
    const resolved = decide({ type: "resolve", at, by: { kind: "supervisor", id: "u-sup" } }, claimed)
    expect(Result.isSuccess(resolved)).toBe(true)
  })

  it("an ended incident accepts no claim and no new device event", () => {
    const { state } = run([open, { type: "claim", at, by: kari }, { type: "resolve", at, by: kari, cause: "false alarm" }])
    expect(state?.status).toBe("resolved")
    const again = decide({ type: "correlate_device_event", at, decision: decision("P1"), deviceEvent: pendant("evt-00000009") }, state)
    expect(Result.isFailure(again) && again.failure._tag).toBe("IncidentEnded")
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
  const claimAndResolve = (repeated: boolean) =>
    run([
      open,
      ...(repeated ? [{ type: "mark_repeated", at, alarmsInWindow: 4, windowHours: 6, atLeast: "P2", ruleId: "care.repeated", ruleSetVersion: "t" } as const] : []),
      { type: "claim", at, by: kari },
      { type: "resolve", at, by: kari, cause: "resident fine" }
    ]).state

  it("a repeated incident is at least P2 and its resolver cannot close it alone", () => {
    const state = claimAndResolve(true)!
    expect(state.repeated).toBe(true)
    expect(state.priority).toBe("P2")
    const alone = decide({ type: "close", at, by: kari }, state)
    expect(Result.isFailure(alone) && alone.failure._tag).toBe("NotOwner")
    const confirmed = decide({ type: "close", at, by: ola }, state)
    expect(Result.isSuccess(confirmed) && confirmed.success[0]).toMatchObject({ type: "incident_closed", confirms: { id: kari.id } })
  })

  it("an ordinary incident can be closed by its resolver", () => {
    expect(Result.isSuccess(decide({ type: "close", at, by: kari }, claimAndResolve(false)))).toBe(true)
  })

  it("escalation happens once per level and never after a claim", () => {
    const escalate = (level: number): IncidentCommand => ({ type: "escalate", at, level, reason: "P1 unclaimed for 30 s", unclaimedForMs: 30_000 })
    const { state, events } = run([open, escalate(1), escalate(1), escalate(2)])
    expect(events.filter((e) => e.type === "incident_escalated")).toHaveLength(2)
    expect(state?.escalationLevel).toBe(2)
    const claimed = run([open, { type: "claim", at, by: kari }]).state
    expect(decide(escalate(1), claimed)).toEqual(Result.succeed([]))
  })

  it("a technical incident whose faults are all restored can be resolved by the engine", () => {
    const fault = (id: string, event: "power_lost" | "power_restored"): DeviceEvent => ({ ...pendant(id), type: "technical", payload: { event } }) as DeviceEvent
    const technical = (p: DeviceEvent) => ({ ...decision("P4"), category: "technical" as const, ruleId: p.id })
    const system: Actor = { kind: "system", id: "triage" }
    const opened = run([{ ...open, decision: technical(fault("f-00000001", "power_lost")), deviceEvent: fault("f-00000001", "power_lost") }]).state
    expect(opened?.openFaults).toEqual(["alarm-000001:power_lost"])
    expect(Result.isFailure(decide({ type: "resolve", at, by: system }, opened))).toBe(true)
    const restored = run([
      { ...open, decision: technical(fault("f-00000001", "power_lost")), deviceEvent: fault("f-00000001", "power_lost") },
      { type: "correlate_device_event", at, decision: technical(fault("f-00000002", "power_restored")), deviceEvent: fault("f-00000002", "power_restored") }
    ]).state
    expect(restored?.openFaults).toEqual([])
    expect(Result.isSuccess(decide({ type: "resolve", at, by: system, cause: "power restored" }, restored))).toBe(true)
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
