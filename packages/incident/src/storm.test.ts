import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import type { IncidentCommand, IncidentEvent, IncidentState } from "@wt/contracts"
import { DeciderSpecification } from "@wt/contracts/decider-testing"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { decide, evolve, initialState, stormChange, stormDevicesDown } from "./index.ts"

const at = "2026-11-25T03:00:00.000Z"
const opened = (): IncidentState => {
  const command: IncidentCommand = {
    type: "open_incident",
    at,
    incidentId: "storm-1",
    tenant: "demo",
    residentId: "storm",
    decision: { ...exampleDecision("P2"), category: "technical" },
    deviceEvent: examplePendantAlarm("evt-1", { occurredAt: at })
  }
  return evolve(undefined, Result.getOrThrow(decide(command, undefined, "storm-1"))[0]!)
}

// Given the storm incident's events, when a batch comes, then these events (or nothing, or a refusal).
const given = DeciderSpecification.for({ decide, evolve, initialState })
const ids = { incidentId: "storm-1", tenant: "demo", at }
const stormOpened: IncidentEvent = {
  type: "incident_opened",
  ...ids,
  residentId: "storm",
  priority: "P2",
  category: "technical",
  decision: { ...exampleDecision("P2"), category: "technical" },
  deviceEvent: examplePendantAlarm("evt-1", { occurredAt: at })
}
/** The version the opening leaves the incident at. */
const openedVersion = 1
const updateStorm = (basedOnVersion: number, lost: ReadonlyArray<string>, restored: ReadonlyArray<string>): IncidentCommand =>
  ({ type: "update_storm", at, basedOnVersion, lost, restored })
const stormUpdated = (lost: ReadonlyArray<string>, restored: ReadonlyArray<string>): IncidentEvent => ({ type: "storm_updated", ...ids, lost, restored })

const update = (state: IncidentState, lost: ReadonlyArray<string>, restored: ReadonlyArray<string>, basedOnVersion = state.version): IncidentCommand => ({
  type: "update_storm",
  at,
  basedOnVersion,
  lost,
  restored
})

/** One copy's batch of what it saw: losses and signs of life, from a small fleet so that they overlap. */
const Device = Schema.Literals(["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"])
const Batch = Schema.Struct({ lost: Schema.Array(Device), restored: Schema.Array(Device) })

describe("storm incidents", () => {
  it("a batch worked out on an older version is refused, so another writer's changes are never counted twice", () => {
    const after = given([stormOpened]).when(updateStorm(openedVersion, ["d1", "d2"], [])).then([stormUpdated(["d1", "d2"], [])])
    expect(after?.storm).toEqual({ devices: 2, stillDown: 2 })
    given([stormOpened, stormUpdated(["d1", "d2"], [])]).when(updateStorm(openedVersion, ["d2"], [])).thenFails("StormViewStale")
  })

  it("more returns than devices down is refused as a stale view", () => {
    given([stormOpened]).when(updateStorm(openedVersion, ["d1"], ["d1", "d2"])).thenFails("StormViewStale")
  })

  it("a batch that changes nothing writes nothing", () => {
    given([stormOpened]).when(updateStorm(openedVersion, [], [])).thenNothingHappened()
  })

  it.prop("the counts always match the devices the events hold: devices joined, and those still down", [Schema.Array(Batch)], ([batches]) => {
    let state = opened()
    const events: Array<IncidentEvent> = []
    const down = new Set<string>()
    let joins = 0
    for (const batch of batches) {
      const change = stormChange(down, batch.lost, batch.restored)
      const decided = Result.getOrThrow(decide(update(state, change.lost, change.restored), state))
      for (const event of decided) {
        state = evolve(state, event)
        events.push(event)
      }
      for (const d of change.lost) down.add(d)
      for (const d of change.restored) down.delete(d)
      joins += change.lost.length
    }
    expect(stormDevicesDown(events)).toEqual(down)
    expect(state.storm ?? { devices: 0, stillDown: 0 }).toEqual({ devices: joins, stillDown: down.size })
  })

  it.prop("stormChange admits a loss only of a device not down, and a return only of one down or lost in the batch", [Schema.Array(Device), Batch], ([before, batch]) => {
    const down = new Set<string>(before)
    const change = stormChange(down, batch.lost, batch.restored)
    expect(new Set(change.lost)).toEqual(new Set(batch.lost.filter((d) => !down.has(d))))
    expect(new Set(change.restored)).toEqual(new Set(batch.restored.filter((d) => down.has(d) || batch.lost.includes(d))))
    expect(change.lost.length).toBe(new Set(change.lost).size)
    expect(change.restored.length).toBe(new Set(change.restored).size)
  })
})
