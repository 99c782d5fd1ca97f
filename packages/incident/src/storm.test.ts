import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import type { IncidentCommand, IncidentEvent, IncidentState } from "@wt/contracts"
import { exampleDecision, examplePendantAlarm } from "@wt/contracts/examples"
import { decide, evolve, stormChange, stormDevicesDown } from "./index.ts"

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
    const state = opened()
    const first = Result.getOrThrow(decide(update(state, ["d1", "d2"], []), state))
    const after = evolve(state, first[0]!)
    expect(after.storm).toEqual({ devices: 2, stillDown: 2 })
    const stale = decide(update(after, ["d2"], [], state.version), after)
    expect(Result.isFailure(stale) && stale.failure._tag).toBe("StormViewStale")
  })

  it("more returns than devices down is refused as a stale view", () => {
    const state = opened()
    const refused = decide(update(state, ["d1"], ["d1", "d2"]), state)
    expect(Result.isFailure(refused) && refused.failure._tag).toBe("StormViewStale")
  })

  it("a batch that changes nothing writes nothing", () => {
    const state = opened()
    expect(Result.getOrThrow(decide(update(state, [], []), state))).toEqual([])
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
