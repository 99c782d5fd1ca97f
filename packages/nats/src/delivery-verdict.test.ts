import { describe, expect, it } from "@effect/vitest"
import { Cause } from "effect"
import * as fc from "fast-check"
import { NatsRequestFailed, PublishFailed } from "./errors.ts"
import { type FailedDelivery, isTransientCause, verdictOnFailure, verdictOnUnsettled } from "./delivery-verdict.ts"

const tenMinutes = 600_000
const attempt = (over: Partial<FailedDelivery>): FailedDelivery => ({
  deliveries: 1,
  maxDeliver: 5,
  transient: false,
  failingForMs: 0,
  giveUpAfterMs: tenMinutes,
  backoff: [250, 1000, 5000],
  failure: "x",
  ...over
})

describe("what becomes of a delivery that failed", () => {
  it("a message failing by its own fault is dead-lettered on its maxDeliver-th attempt, retried with backoff before", () => {
    expect(verdictOnFailure(attempt({ deliveries: 1 }))).toEqual({ _tag: "retry", delayMs: 250 })
    expect(verdictOnFailure(attempt({ deliveries: 4 }))).toEqual({ _tag: "retry", delayMs: 5000 })
    const verdict = verdictOnFailure(attempt({ deliveries: 5, failure: "Boom: bad payload" }))
    expect(verdict._tag).toBe("deadLetter")
    expect(verdict._tag === "deadLetter" && verdict.reason).toContain("Boom: bad payload")
  })

  it("a care alarm failing because NATS is away is not dead-lettered by its count while a frozen node holds the leader", () => {
    // Thirty seconds of a frozen node at a 5 s ack wait: more deliveries than maxDeliver, all of them transient.
    expect(verdictOnFailure(attempt({ deliveries: 12, transient: true, failingForMs: 30_000 }))._tag).toBe("retry")
    const given = verdictOnFailure(attempt({ deliveries: 130, transient: true, failingForMs: tenMinutes }))
    expect(given._tag).toBe("deadLetter")
    expect(given._tag === "deadLetter" && given.reason).toContain("infrastructure for 10 min")
  })

  it("never dead-letters before maxDeliver attempts, whatever the failure and however long it has failed", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 50 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 10 * tenMinutes }),
      (deliveries, maxDeliver, transient, failingForMs) => {
        const verdict = verdictOnFailure(attempt({ deliveries, maxDeliver, transient, failingForMs }))
        if (deliveries < maxDeliver) expect(verdict._tag).toBe("retry")
        // A transient failure is given up only once it has failed for the whole give-up time.
        if (transient && failingForMs < tenMinutes) expect(verdict._tag).toBe("retry")
        if (!transient && deliveries >= maxDeliver) expect(verdict._tag).toBe("deadLetter")
      }
    ))
  })

  it("a message handed out again unsettled (acks lost with a node, or a copy died) is handled again, and given up only after the give-up time", () => {
    expect(verdictOnUnsettled({ deliveries: 9, maxDeliver: 5, failingForMs: 40_000, giveUpAfterMs: tenMinutes })).toBe("handle")
    expect(verdictOnUnsettled({ deliveries: 3, maxDeliver: 5, failingForMs: 2 * tenMinutes, giveUpAfterMs: tenMinutes })).toBe("handle")
    const given = verdictOnUnsettled({ deliveries: 9, maxDeliver: 5, failingForMs: tenMinutes, giveUpAfterMs: tenMinutes })
    expect(given !== "handle" && given.reason).toContain("not acknowledged after 8 deliveries")
  })

  it("tells a NATS failure from the message's own and from a defect", () => {
    expect(isTransientCause(Cause.fail(new PublishFailed({ subject: "wt.inc.x", message: "timeout" })))).toBe(true)
    expect(isTransientCause(Cause.fail(new NatsRequestFailed({ operation: "kv get", message: "no responders" })))).toBe(true)
    expect(isTransientCause(Cause.fail({ _tag: "IncidentUnreadable" }))).toBe(false)
    expect(isTransientCause(Cause.fail(new Error("plain")))).toBe(false)
    expect(isTransientCause(Cause.die(new PublishFailed({ subject: "wt.inc.x", message: "thrown" })))).toBe(false)
    expect(isTransientCause(Cause.combine(Cause.fail(new PublishFailed({ subject: "s", message: "m" })), Cause.fail({ _tag: "Boom" })))).toBe(false)
  })
})
