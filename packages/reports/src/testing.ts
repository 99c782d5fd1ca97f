// Incidents for report tests, written by the real decider so their records are what
// triage and the console would store: an opening from a received device event, then
// commands at given instants.
import { Result } from "effect"
import type { Actor, DeviceEvent, IncidentCategory, IncidentCommand, IncidentRecord, IncidentState, Priority } from "@wt/contracts"
import { decide, evolve } from "@wt/incident"

export const kari: Actor = { kind: "operator", id: "u-kari", name: "Kari" }
export const ola: Actor = { kind: "operator", id: "u-ola", name: "Ola" }
export const sara: Actor = { kind: "supervisor", id: "u-sara", name: "Sara" }
export const engine: Actor = { kind: "system", id: "triage" }

/** `iso` plus `seconds`, as an ISO instant. */
export const plus = (iso: string, seconds: number): string => new Date(Date.parse(iso) + seconds * 1000).toISOString()

export interface ScriptedIncident {
  readonly incidentId: string
  readonly tenant?: string
  readonly residentId?: string
  /** When the gateway received the device event that opens the incident. */
  readonly receivedAt: string
  readonly priority: Priority
  readonly category?: IncidentCategory
  /** Commands after the opening; build them with `claim`, `resolve` … below. */
  readonly then?: ReadonlyArray<IncidentCommand>
}

let counter = 0

const deviceEvent = (tenant: string, at: string, category: IncidentCategory): DeviceEvent => {
  const base = { id: `evt-report-${++counter}`, tenant, occurredAt: plus(at, -1), receivedAt: at, source: { via: "sim" as const } }
  return category === "technical"
    ? { ...base, deviceId: "alarm-000009", type: "technical", payload: { event: "power_lost" } }
    : { ...base, deviceId: "alarm-000001", type: "safety_alarm", payload: { trigger: "pendant" } }
}

const decision = (priority: Priority, category: IncidentCategory) => ({
  ruleId: category === "technical" ? "tech.fault" : "care.alarm",
  ruleSetVersion: "test",
  priority,
  category,
  reason: "scripted",
  fireService: false
})

/** Every record of one scripted incident, in order. Opened 50 ms after receipt, as triage would. */
export const scriptIncident = (spec: ScriptedIncident): ReadonlyArray<IncidentRecord> => {
  const tenant = spec.tenant ?? "demo"
  const category = spec.category ?? "care"
  const opening: IncidentCommand = {
    type: "open_incident",
    at: plus(spec.receivedAt, 0.05),
    incidentId: spec.incidentId,
    tenant,
    residentId: spec.residentId ?? "res-0001",
    decision: decision(spec.priority, category),
    deviceEvent: deviceEvent(tenant, spec.receivedAt, category)
  }
  let state: IncidentState | undefined
  const records: Array<IncidentRecord> = []
  for (const command of [opening, ...(spec.then ?? [])]) {
    for (const event of Result.getOrThrow(decide(command, state, spec.incidentId))) {
      state = evolve(state, event)
      records.push({ event, state })
    }
  }
  return records
}

export const claim = (at: string, by: Actor = kari): IncidentCommand => ({ type: "claim", at, by })
export const resolve = (at: string, by: Actor = kari): IncidentCommand => ({ type: "resolve", at, by, cause: "scripted" })
export const cancel = (at: string, by: Actor = kari): IncidentCommand => ({ type: "cancel", at, by, reason: "scripted" })
export const close = (at: string, by: Actor): IncidentCommand => ({ type: "close", at, by })
export const merge = (at: string, into: string): IncidentCommand => ({ type: "merge", at, by: engine, into })
export const escalate = (at: string, level: number, unclaimedForMs: number): IncidentCommand => ({
  type: "escalate",
  at,
  level,
  reason: "scripted",
  unclaimedForMs
})
export const correlate = (at: string, priority: Priority, tenant = "demo"): IncidentCommand => ({
  type: "correlate_device_event",
  at,
  decision: decision(priority, "care"),
  deviceEvent: deviceEvent(tenant, at, "care")
})
/** The technical fault restored: the device's power is back. */
export const restorePower = (at: string, tenant = "demo"): IncidentCommand => ({
  type: "correlate_device_event",
  at,
  decision: decision("P4", "technical"),
  deviceEvent: {
    id: `evt-report-${++counter}`,
    tenant,
    occurredAt: at,
    receivedAt: at,
    source: { via: "sim" },
    deviceId: "alarm-000009",
    type: "technical",
    payload: { event: "power_restored" }
  }
})
export const markRepeated = (at: string): IncidentCommand => ({
  type: "mark_repeated",
  at,
  alarmsInWindow: 3,
  windowHours: 6,
  atLeast: "P2",
  ruleId: "care.repeated",
  ruleSetVersion: "test"
})

/**
 * A record the dispatch flow will write (responder assigned, en route, on site): any event
 * already in the contract, with the state the handover moves the incident to.
 */
export const handover = (
  before: IncidentRecord,
  at: string,
  status: "dispatching" | "responder_assigned" | "en_route" | "on_site",
  team: string
): IncidentRecord => {
  const state: IncidentState = {
    ...before.state,
    status,
    owner: { kind: "team", id: team },
    lastEventAt: at,
    version: before.state.version + 1
  }
  return {
    event: { type: "note_added", incidentId: state.incidentId, tenant: state.tenant, at, by: kari, handlingCode: 4, text: status },
    state
  }
}

/** The scripted day: Tuesday 24 November 2026 in Oslo (UTC+1), i.e. [23 Nov 23:00Z, 24 Nov 23:00Z). */
export const ScriptedDay = {
  from: "2026-11-23T23:00:00.000Z",
  to: "2026-11-24T23:00:00.000Z",
  timeZone: "Europe/Oslo"
} as const

/**
 * A day of alarms with known receipt and answer times across priorities and hours (local
 * times in the comments). The expected figures are worked out by hand in the tests.
 */
export const scriptedDay = (): ReadonlyArray<IncidentRecord> => {
  const s = (spec: ScriptedIncident) => scriptIncident(spec)
  const at = (utc: string) => `2026-11-${utc}Z`
  const A = at("23T23:10:00.000"), B = at("24T01:30:00.000"), C = at("24T01:40:00.000")
  const D = at("24T06:15:00.000"), E = at("24T06:20:00.000"), F = at("24T06:50:00.000")
  const M = at("24T08:00:00.000"), G = at("24T11:00:00.000"), H = at("24T11:05:00.000")
  const I = at("24T14:00:00.000"), W = at("24T14:10:00.000"), J = at("24T14:30:00.000")
  const K = at("24T21:59:59.000"), L = at("24T22:30:00.000")
  const X = at("23T22:59:00.000"), Y = at("24T23:00:00.000")
  const N1 = at("24T07:00:00.000"), N2 = at("24T07:10:00.000")
  return [
    ...s({ incidentId: "day-A", receivedAt: A, priority: "P1", then: [claim(plus(A, 12)), resolve(plus(A, 600))] }), // 00:10
    ...s({ incidentId: "day-B", receivedAt: B, priority: "P1", then: [claim(plus(B, 45)), resolve(plus(B, 300))] }), // 02:30
    ...s({ incidentId: "day-C", receivedAt: C, priority: "P1", then: [claim(plus(C, 61), ola), resolve(plus(C, 400), ola)] }), // 02:40
    ...s({ incidentId: "day-D", receivedAt: D, priority: "P2", then: [claim(plus(D, 60))] }), // 07:15
    ...s({ incidentId: "day-E", receivedAt: E, priority: "P2", then: [claim(plus(E, 150), ola)] }), // 07:20
    ...s({ incidentId: "day-F", receivedAt: F, priority: "P2", then: [claim(plus(F, 200))] }), // 07:50
    // 09:00, a P3 that a P1 joins before anyone takes it: answered as a P1.
    ...s({ incidentId: "day-M", receivedAt: M, priority: "P3", then: [correlate(plus(M, 20), "P1"), claim(plus(M, 40))] }),
    ...s({ incidentId: "day-G", receivedAt: G, priority: "P3", then: [claim(plus(G, 30))] }), // 12:00
    ...s({ incidentId: "day-H", receivedAt: H, priority: "P3", then: [cancel(plus(H, 20))] }), // 12:05, cancelled unclaimed by Kari
    // 15:00 and 15:10: technical faults the engine ends without a person (restored; merged).
    ...s({ incidentId: "day-I", receivedAt: I, priority: "P4", category: "technical", then: [restorePower(plus(I, 300)), resolve(plus(I, 301), engine)] }),
    ...s({ incidentId: "day-W", receivedAt: W, priority: "P4", category: "technical", then: [merge(plus(W, 5), "day-I")] }),
    ...s({ incidentId: "day-J", receivedAt: J, priority: "P4", category: "technical", then: [claim(plus(J, 90)), resolve(plus(J, 200))] }), // 15:30
    ...s({ incidentId: "day-K", receivedAt: K, priority: "P1", then: [claim(plus(K, 5))] }), // 22:59:59
    ...s({ incidentId: "day-L", receivedAt: L, priority: "P2" }), // 23:30, nobody has taken it by midnight
    ...s({ incidentId: "day-X", receivedAt: X, priority: "P1", then: [claim(plus(X, 10))] }), // 23:59 the day before
    ...s({ incidentId: "day-Y", receivedAt: Y, priority: "P1", then: [claim(plus(Y, 10))] }), // midnight: the next day
    ...s({ incidentId: "day-N1", tenant: "north", receivedAt: N1, priority: "P1", then: [claim(plus(N1, 100), ola)] }), // 08:00
    ...s({ incidentId: "day-N2", tenant: "north", receivedAt: N2, priority: "P2", then: [claim(plus(N2, 20), ola)] }) // 08:10
  ]
}
