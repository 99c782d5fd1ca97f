import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, ConsoleTestLayer, openIncident, project, signIn } from "./console-fixture.ts"

layer(ConsoleTestLayer, { excludeTestServices: true, timeout: "60 seconds" })("GET /api/overview", (it) => {
  it.effect("gives a supervisor the queue by priority, the oldest unclaimed, the operators signed in and the flood state of each tenant supervised", () =>
    Effect.gen(function*() {
      const operator = yield* signIn("operator")
      const oldestAt = new Date(Date.now() - 120_000).toISOString()
      yield* openIncident("demo", "ov-oldest", { priority: "P2", at: oldestAt })
      yield* project("demo", "ov-oldest")
      // Eleven alarms in ten minutes with one operator on duty: over ISA-18.2's 10, a flood.
      for (let i = 0; i < 10; i++) {
        yield* openIncident("demo", `ov-${i}`, { priority: i < 3 ? "P1" : "P3" })
        yield* project("demo", `ov-${i}`)
      }
      expect((yield* call("POST", "/api/incidents/ov-0/claim", { token: operator.token })).status).toBe(200)
      yield* project("demo", "ov-0")

      const { token } = yield* signIn("supervisor")
      const answer = yield* call("GET", "/api/overview", { token })
      expect(answer.status).toBe(200)
      expect(answer.body.tenants.map((t: { tenant: string }) => t.tenant)).toEqual(["demo"])
      const demo = answer.body.tenants[0]
      expect(demo.waiting).toEqual({ P1: 2, P2: 1, P3: 7, P4: 0 })
      expect(demo.inHand).toBe(1)
      expect(demo.oldestUnclaimed).toEqual({ incidentId: "ov-oldest", priority: "P2", openedAt: oldestAt })
      expect(demo.operatorsSignedIn).toEqual([{ id: "user-operator", displayName: "Demo Operator" }])
      expect(demo.flood).toMatchObject({ alarmsLast10Min: 11, operatorsOnDuty: 1, rate: 11, active: true, startsAbove: 10, endsBelow: 5 })

      // A second operator on duty halves the rate (whether 5.5 still counts as a flood depends on the
      // hysteresis: it ends only below 5; that rule is tested in @wt/read-models).
      yield* signIn("operator2")
      const calmer = (yield* call("GET", "/api/overview", { token })).body.tenants[0]
      expect(calmer.flood).toMatchObject({ operatorsOnDuty: 2, rate: 5.5 })
    }))

  it.effect("a regional supervisor sees each tenant supervised; an operator is refused", () =>
    Effect.gen(function*() {
      yield* openIncident("north", "ov-north", { priority: "P1" })
      yield* project("north", "ov-north")
      const regional = yield* signIn("regional")
      const answer = yield* call("GET", "/api/overview", { token: regional.token })
      expect(answer.body.tenants.map((t: { tenant: string }) => t.tenant)).toEqual(["demo", "north"])
      expect(answer.body.tenants[1].waiting.P1).toBe(1)
      const operator = yield* signIn("operator")
      expect((yield* call("GET", "/api/overview", { token: operator.token })).status).toBe(403)
    }))
})
