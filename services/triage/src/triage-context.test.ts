import { describe, expect, it } from "@effect/vitest"
import type { DeviceEvent } from "@wt/contracts"
import type { DeviceOwner } from "@wt/registry"
import { classify, DefaultRuleBook, ruleSetAt } from "@wt/triage-rules"
import { contextFor } from "./triage-event.ts"

// 02:00 in Oslo in winter.
const doorAtNight: DeviceEvent = {
  id: "evt-door-0001",
  tenant: "demo",
  deviceId: "sens-000001",
  occurredAt: "2026-11-25T01:00:00.000Z",
  source: { via: "sim" },
  type: "sensor",
  payload: { sensor: "door", state: "opened" }
}
const owner = (planOverrides?: Record<string, unknown>): DeviceOwner => ({
  residentId: "res-0001",
  deviceType: "sensor",
  sensor: "door",
  placement: "front door",
  heartbeatIntervalS: 60,
  resident: { dementia: true, planId: "plan-dementia", ...(planOverrides ? { planOverrides } : {}) }
})
const decide = (o: DeviceOwner) => classify(doorAtNight, ruleSetAt(DefaultRuleBook, "demo", doorAtNight.occurredAt), contextFor(doorAtNight, o))

describe("triage context from the registry", () => {
  it("a door opened at night is P2 by default", () => {
    expect(decide(owner())?.priority).toBe("P2")
  })

  it("the resident's plan raises it to P1, and the decision says the plan did", () => {
    const d = decide(owner({ priorities: { "door.night-opened": "P1" } }))
    expect(d?.priority).toBe("P1")
    expect(d?.planOverride?.planId).toBe("plan-dementia")
  })

  it("overrides that do not fit the schema are ignored, not guessed at", () => {
    expect(decide(owner({ priorities: { "door.night-opened": "P0" } }))?.priority).toBe("P2")
  })

  it("a resident's plan read again decides the same; a changed profile (a new object from the registry) is read afresh", () => {
    const raised = owner({ priorities: { "door.night-opened": "P1" } })
    expect([decide(raised)?.priority, decide(raised)?.priority]).toEqual(["P1", "P1"])
    // The registry hands out a new profile object when the resident's plan changes.
    const lowered: DeviceOwner = { ...raised, resident: { ...raised.resident, planOverrides: { priorities: { "door.night-opened": "P3" } } } }
    expect(decide(lowered)?.priority).toBe("P3")
    expect(decide(raised)?.priority).toBe("P1")
  })
})
