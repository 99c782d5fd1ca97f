import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import {
  type Actor,
  DeviceEvent,
  IncidentCategory,
  type IncidentCommand,
  type IncidentEvent,
  type IncidentState,
  Priority,
  PriorityScale,
  type TriageDecision
} from "@wt/contracts"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { alarmTypeOf, decide, evolve, initialState, onlyTechnical, replay, SignalMemory } from "./index.ts"

const at = "2026-11-25T03:00:00.000Z"
const system: Actor = { kind: "system", id: "triage" }
const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari" }

const pendant = (id: string, deviceId = "alarm-000001") => examplePendantAlarm(id, { occurredAt: at, deviceId })
const technical = (id: string, event: "low_battery" | "power_lost" | "power_restored" | "sensor_supervision_lost" | "tamper", deviceId = "alarm-000001"): DeviceEvent =>
  ({ ...pendant(id, deviceId), type: "technical", payload: { event } }) as DeviceEvent
const fall = (id: string): DeviceEvent => ({ ...pendant(id), payload: { trigger: "fall_detector" } }) as DeviceEvent
const leftBed = (id: string): DeviceEvent => ({ ...pendant(id, "bed-000001"), type: "sensor", payload: { sensor: "bed", state: "left_bed" } }) as DeviceEvent

const decision = (priority: Priority, category: IncidentCategory, ruleId = `${category}.${priority}`): TriageDecision =>
  ({ ...exampleDecision(priority), category, ruleId })
const care = (p: Priority = "P1") => decision(p, "care")
const fault = (p: Priority = "P4") => decision(p, "technical")

const opening = (deviceEvent: DeviceEvent, d: TriageDecision): IncidentCommand =>
  ({ type: "open_incident", at, incidentId: "inc-1", tenant: "demo", residentId: "res-0001", decision: d, deviceEvent })
const joining = (deviceEvent: DeviceEvent, d: TriageDecision, when = at): IncidentCommand =>
  ({ type: "correlate_device_event", at: when, decision: d, deviceEvent })

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
  return { state: state!, events }
}

describe("an incident's headline is its most urgent signal (issue 21)", () => {
  it("a P1 pendant alarm joining an open P4 low-battery incident heads it: P1, care, safety_alarm:pendant; the battery is listed beneath", () => {
    const { state } = run([
      opening(technical("evt-battery", "low_battery"), fault()),
      joining(pendant("evt-pendant", "alarm-000002"), care(), "2026-11-25T03:05:00.000Z")
    ])
    expect(state.priority).toBe("P1")
    expect(state.alarmType).toBe("safety_alarm:pendant")
    expect(state.category).toBe("care")
    expect(state.headline).toEqual({
      alarmType: "safety_alarm:pendant",
      category: "care",
      priority: "P1",
      deviceId: "alarm-000002",
      eventId: "evt-pendant",
      at: "2026-11-25T03:05:00.000Z"
    })
    expect(state.signals?.map((s) => [s.alarmType, s.priority, s.deviceId, s.count])).toEqual([
      ["technical:low_battery", "P4", "alarm-000001", 1],
      ["safety_alarm:pendant", "P1", "alarm-000002", 1]
    ])
    expect(state.categories).toEqual(["technical", "care"])
    // The fault is still open, beneath the headline.
    expect(state.openFaults).toEqual(["alarm-000001:low_battery"])
  })

  it("a GPS SOS joining a technical incident heads it as a location alarm (seen in the interop runs)", () => {
    const sos = { ...pendant("evt-sos", "gps-000001"), type: "gps", payload: { lat: 59.91, lon: 10.75, sos: true } } as DeviceEvent
    const { state } = run([opening(technical("evt-1", "sensor_supervision_lost", "gps-000001"), fault("P2")), joining(sos, decision("P1", "location"))])
    expect(state).toMatchObject({ priority: "P1", category: "location", alarmType: "gps:sos", headline: { deviceId: "gps-000001", eventId: "evt-sos" } })
  })

  it("of equally urgent signals the first keeps the headline; the later is counted beneath", () => {
    const { state } = run([opening(pendant("evt-1"), care()), joining(fall("evt-2"), care()), joining(pendant("evt-3"), care())])
    expect(state.headline).toMatchObject({ alarmType: "safety_alarm:pendant", eventId: "evt-1" })
    expect(state.signals?.map((s) => [s.alarmType, s.count])).toEqual([["safety_alarm:fall_detector", 1], ["safety_alarm:pendant", 2]])
  })

  it("a less urgent signal never takes the headline", () => {
    const { state } = run([opening(pendant("evt-1"), care()), joining(technical("evt-2", "low_battery"), fault())])
    expect(state).toMatchObject({ priority: "P1", alarmType: "safety_alarm:pendant", category: "care", headline: { eventId: "evt-1" } })
  })

  it("the engine does not resolve a fault incident that a pendant alarm joined, once the fault is restored", () => {
    // Before headlines the incident stayed 'technical', so the restore let the engine resolve it with the alarm inside.
    const { state } = run([
      opening(technical("evt-1", "power_lost"), fault()),
      joining(pendant("evt-2"), care()),
      joining(technical("evt-3", "power_restored"), fault())
    ])
    expect(state.openFaults).toEqual([])
    const resolved = decide({ type: "resolve", at, by: system, cause: "every fault restored" }, state)
    expect(Result.isFailure(resolved) && resolved.failure._tag).toBe("NotOwner")
  })

  it("a fault that heads a care incident (more urgent than the care signal) does not make it the engine's to resolve", () => {
    const { state } = run([
      opening(leftBed("evt-1"), decision("P3", "wellbeing")),
      joining(technical("evt-2", "sensor_supervision_lost", "bed-000001"), fault("P2")),
      joining({ ...leftBed("evt-3"), payload: { sensor: "bed", state: "restored" } } as DeviceEvent, fault())
    ])
    expect(state).toMatchObject({ priority: "P2", category: "technical", alarmType: "technical:sensor_supervision_lost", openFaults: [] })
    expect(onlyTechnical(state)).toBe(false)
    expect(Result.isFailure(decide({ type: "resolve", at, by: system }, state))).toBe(true)
  })

  it("a purely technical incident is still the engine's to resolve once restored", () => {
    const { state } = run([opening(technical("evt-1", "power_lost"), fault()), joining(technical("evt-2", "power_restored"), fault())])
    expect(onlyTechnical(state)).toBe(true)
    expect(Result.isSuccess(decide({ type: "resolve", at, by: system }, state))).toBe(true)
  })

  it("past SignalMemory kinds the least recently joined is dropped, never the headline's", () => {
    const commands = [opening(pendant("evt-0"), care())]
    for (let i = 1; i <= SignalMemory + 4; i++) commands.push(joining(technical(`evt-${i}`, "low_battery", `sensor-${String(i).padStart(6, "0")}`), fault()))
    const { state } = run(commands)
    expect(state.signals).toHaveLength(SignalMemory)
    expect(state.signals?.[0]).toMatchObject({ alarmType: "safety_alarm:pendant", deviceId: "alarm-000001" })
    expect(state.signals?.at(-1)).toMatchObject({ deviceId: `sensor-${String(SignalMemory + 4).padStart(6, "0")}` })
    expect(state.deviceEventCount).toBe(SignalMemory + 5)
  })

  it("a record stored before headlines: a more urgent event takes the headline; the categories start from the stored one", () => {
    const { state: current } = run([opening(technical("evt-1", "low_battery"), fault())])
    const { headline: _h, signals: _s, categories: _c, ...stored } = current
    const legacy: IncidentState = stored
    const kept = evolve(legacy, { type: "device_event_correlated", incidentId: "inc-1", tenant: "demo", at, decision: fault(), deviceEvent: technical("evt-2", "tamper") })
    expect(kept).toMatchObject({ alarmType: "technical:low_battery", category: "technical", categories: ["technical"] })
    expect(kept.headline).toBeUndefined()
    expect(onlyTechnical(legacy)).toBe(true)
    const raised = evolve(kept, { type: "device_event_correlated", incidentId: "inc-1", tenant: "demo", at, decision: care(), deviceEvent: pendant("evt-3") })
    expect(raised).toMatchObject({ priority: "P1", alarmType: "safety_alarm:pendant", category: "care", categories: ["technical", "care"], headline: { eventId: "evt-3" } })
    expect(onlyTechnical(raised)).toBe(false)
  })
})

// Property tests: any device events, judged any way, opening an incident and joining it.
const Judged = Schema.Struct({ event: DeviceEvent, priority: Priority, category: IncidentCategory })
const Other = Schema.Struct({
  kind: Schema.Literals(["claim", "note", "repeated", "escalate", "contact"]),
  atLeast: Priority
})
const Step = Schema.Union([Judged, Other])

/** The device events made distinct (their own ids), so none is a redelivery of another. */
const distinct = (judged: ReadonlyArray<typeof Judged.Type>) =>
  judged.map((j, i) => ({ ...j, event: { ...j.event, tenant: "demo", id: `evt-${i}` } as DeviceEvent }))

const commandOf = (step: typeof Step.Type): IncidentCommand => {
  if ("event" in step) return joining(step.event, decision(step.priority, step.category))
  switch (step.kind) {
    case "claim":
      return { type: "claim", at, by: kari }
    case "note":
      return { type: "add_note", at, by: kari, handlingCode: 8, text: "spoke with resident" }
    case "contact":
      return { type: "record_contact", at, by: kari, party: "resident" }
    case "repeated":
      return { type: "mark_repeated", at, alarmsInWindow: 3, windowHours: 6, atLeast: step.atLeast, ruleId: "care.repeated", ruleSetVersion: "t" }
    case "escalate":
      return { type: "escalate", at, level: 1, reason: "unclaimed", unclaimedForMs: 30_000 }
  }
}

const rank = (p: Priority) => PriorityScale[p].rank

/** The device events an incident holds, with the decisions they were stored with, in order. */
const deviceEventsOf = (events: ReadonlyArray<IncidentEvent>) =>
  events.flatMap((e) => (e.type === "incident_opened" || e.type === "device_event_correlated" ? [{ event: e.deviceEvent, decision: e.decision }] : []))

describe("headline properties", () => {
  it.prop(
    "for any device events opened and joined, the headline's priority is the incident's, and the headline is the first of its most urgent device events",
    [Schema.NonEmptyArray(Judged)],
    ([judged]) => {
      const [first, ...rest] = distinct(judged)
      const { state, events } = run([opening(first!.event, decision(first!.priority, first!.category)), ...rest.map(commandOf)])
      const held = deviceEventsOf(events)
      expect(held).toHaveLength(judged.length)
      expect(state.headline).toBeDefined()
      const headline = state.headline!
      expect(headline.priority).toBe(state.priority)
      const top = Math.min(...held.map((h) => rank(h.decision.priority)))
      const expected = held.find((h) => rank(h.decision.priority) === top)!
      expect(headline).toMatchObject({
        deviceId: expected.event.deviceId,
        eventId: expected.event.id,
        alarmType: alarmTypeOf(expected.event),
        category: expected.decision.category,
        priority: expected.decision.priority
      })
      // What everyone reads the incident by is the headline's.
      expect(state.alarmType).toBe(headline.alarmType)
      expect(state.category).toBe(headline.category)
      // Every category among its events, each once; the engine's own only when all are technical.
      expect([...(state.categories ?? [])].sort()).toEqual([...new Set(held.map((h) => h.decision.category))].sort())
      expect(onlyTechnical(state)).toBe(held.every((h) => h.decision.category === "technical"))
      // Beneath it: each kind of signal once, counted, with the headline's kind always there.
      const kinds = new Set(held.map((h) => `${alarmTypeOf(h.event)} ${h.event.deviceId}`))
      expect(state.signals).toHaveLength(Math.min(kinds.size, SignalMemory))
      expect(state.signals?.some((s) => s.alarmType === headline.alarmType && s.deviceId === headline.deviceId)).toBe(true)
      for (const s of state.signals ?? []) {
        const same = held.filter((h) => alarmTypeOf(h.event) === s.alarmType && h.event.deviceId === s.deviceId)
        expect(s.count).toBe(same.length)
        expect(rank(s.priority)).toBe(Math.min(...same.map((h) => rank(h.decision.priority))))
      }
      if (kinds.size <= SignalMemory) expect((state.signals ?? []).reduce((n, s) => n + s.count, 0)).toBe(state.deviceEventCount)
    }
  )

  it.prop(
    "with any other commands between them, the headline is still the first most urgent device event and never outranks the incident",
    [Judged, Schema.Array(Step)],
    ([opener, steps]) => {
      const judged = distinct([opener, ...steps.filter((s): s is typeof Judged.Type => "event" in s)])
      let next = 1
      const commands = [
        opening(judged[0]!.event, decision(judged[0]!.priority, judged[0]!.category)),
        ...steps.map((s) => commandOf("event" in s ? judged[next++]! : s))
      ]
      const { state, events } = run(commands)
      const held = deviceEventsOf(events)
      const top = Math.min(...held.map((h) => rank(h.decision.priority)))
      expect(rank(state.headline!.priority)).toBe(top)
      expect(rank(state.headline!.priority)).toBeGreaterThanOrEqual(rank(state.priority))
      const expected = held.find((h) => rank(h.decision.priority) === top)!
      expect(state.headline).toMatchObject({ eventId: expected.event.id, deviceId: expected.event.deviceId })
      expect(replay(events)).toEqual(state)
    }
  )
})
